"""Reading one JSON file with a one-line error per way it can fail (missing, unreadable, not JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vaultproof.errors import VaultproofError


def read_json(path: Path, error: type[VaultproofError], what: str, missing_hint: str) -> Any:
    """The parsed document of ``what`` (a baseline, results) at ``path``; ``missing_hint`` says how to
    produce a missing one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{what} {path} not found: {missing_hint}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{what} {path} cannot be read: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{what} {path} is not valid JSON: {exc}") from None

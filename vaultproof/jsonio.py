"""Reading one JSON file with a one-line error per way it can fail (missing, unreadable, not JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vaultproof.errors import VaultproofError


def read_json(
    path: Path, error: type[VaultproofError], *, missing: str, unreadable: str, invalid: str
) -> Any:
    """The parsed document; each message is a template over ``{path}`` and (but ``missing``) ``{exc}``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(missing.format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(unreadable.format(path=path, exc=exc)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(invalid.format(path=path, exc=exc)) from None

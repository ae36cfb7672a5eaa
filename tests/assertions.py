"""Assertions several test packages make the same way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from vaultproof.errors import VaultproofError


def assert_rejected_in_one_line(
    load: Callable[[Path], object], path: Path, error: type[VaultproofError], message: str
) -> None:
    """``load(path)`` raises ``error`` naming ``message``, and the error renders as one line (bad input is
    one line on stderr and exit 2, never a traceback)."""
    with pytest.raises(error) as info:
        load(path)
    assert message in str(info.value)
    assert "\n" not in info.value.one_line()

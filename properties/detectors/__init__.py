"""This project's Slither detectors (ST-1 … ST-13), packaged as a Slither plugin.

One detector per module, grouped by category as Slither's own ``detectors/<category>/<detector>.py``;
each class carries the property id it decides (``PROPERTY``). ``make_plugin`` is the
``slither_analyzer.plugin`` entry point, so ``slither . --detect vp-unbounded-loop`` works from the plain
Slither CLI (settings then come from the nearest ``vaultproof.toml``); the engine uses
:func:`configured_detectors` to bind each detector to its ``[analyse.detectors.<argument>]`` table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from properties.detectors._base import SettingsError, VaultproofDetector
from properties.detectors.access.authorization_revoked import AuthorizationRevoked
from properties.detectors.access.unprotected_risk_setter import UnprotectedRiskSetter
from properties.detectors.calls.arch_parity import ArchParity
from properties.detectors.calls.cei_storage_write_after_call import StorageWriteAfterExternalCall
from properties.detectors.calls.missing_nonreentrant import MissingNonReentrant
from properties.detectors.calls.noncustodial_transfer import CustodialCallInNonCustodial
from properties.detectors.calls.return_value_proceeds import ReturnValueProceeds
from properties.detectors.calls.unguarded_external_call_in_loop import UnguardedExternalCallInLoop
from properties.detectors.layout.bytecode_size import BytecodeSizeLimit
from properties.detectors.layout.storage_layout_append_only import StorageLayoutNotAppendOnly
from properties.detectors.loops.unbounded_loop import UnboundedLoop
from properties.detectors.values.field_read_outside_accessor import FieldReadOutsideAccessor
from properties.detectors.values.unchecked_downcast import UncheckedNarrowingCast

# Catalogue order: ST-1 … ST-13 (each class's PROPERTY; a test checks the order and the ST declarations).
DETECTORS: tuple[type[VaultproofDetector], ...] = (
    UnguardedExternalCallInLoop,
    UnboundedLoop,
    StorageWriteAfterExternalCall,
    ReturnValueProceeds,
    AuthorizationRevoked,
    UnprotectedRiskSetter,
    MissingNonReentrant,
    ArchParity,
    CustodialCallInNonCustodial,
    BytecodeSizeLimit,
    StorageLayoutNotAppendOnly,
    FieldReadOutsideAccessor,
    UncheckedNarrowingCast,
)


def make_plugin() -> tuple[list[Any], list[Any]]:
    """Slither's ``slither_analyzer.plugin`` entry point: (detector classes, printer classes)."""
    return list(DETECTORS), []


def configured_detectors(
    settings: Mapping[str, Mapping[str, Any]], context: Mapping[str, Any] | None = None
) -> list[type[VaultproofDetector]]:
    """Each detector bound to its settings table; a table naming no detector is an error."""
    known = {d.ARGUMENT for d in DETECTORS}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise SettingsError(
            f"[analyse.detectors.{unknown[0]}] names no detector (known: {', '.join(sorted(known))})"
        )
    return [d.configure(settings.get(d.ARGUMENT, {}), context) for d in DETECTORS]


__all__ = ["DETECTORS", "SettingsError", "VaultproofDetector", "configured_detectors", "make_plugin"]

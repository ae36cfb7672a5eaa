"""This project's Slither detectors (ST-1 … ST-13), packaged as a Slither plugin.

``make_plugin`` is the ``slither_analyzer.plugin`` entry point, so ``slither . --detect vp-unbounded-loop``
works from the plain Slither CLI (settings then come from the nearest ``vaultproof.toml``); the engine
uses :func:`configured_detectors` to bind each detector to its ``[analyse.detectors.<argument>]`` table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from properties.detectors._base import SettingsError, VaultproofDetector
from properties.detectors.access import AuthorizationRevoked, UnprotectedRiskSetter
from properties.detectors.calls import (
    ArchParity,
    CustodialCallInNonCustodial,
    MissingNonReentrant,
    ReturnValueProceeds,
    StorageWriteAfterExternalCall,
    UnguardedExternalCallInLoop,
)
from properties.detectors.layout import BytecodeSizeLimit, StorageLayoutNotAppendOnly
from properties.detectors.loops import UnboundedLoop
from properties.detectors.values import FieldReadOutsideAccessor, UncheckedNarrowingCast

# Catalogue order: ST-1 … ST-13.
DETECTORS: tuple[type[VaultproofDetector], ...] = (
    UnguardedExternalCallInLoop,  # ST-1
    UnboundedLoop,  # ST-2
    StorageWriteAfterExternalCall,  # ST-3
    ReturnValueProceeds,  # ST-4
    AuthorizationRevoked,  # ST-5
    UnprotectedRiskSetter,  # ST-6
    MissingNonReentrant,  # ST-7
    ArchParity,  # ST-8
    CustodialCallInNonCustodial,  # ST-9
    BytecodeSizeLimit,  # ST-10
    StorageLayoutNotAppendOnly,  # ST-11
    FieldReadOutsideAccessor,  # ST-12
    UncheckedNarrowingCast,  # ST-13
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

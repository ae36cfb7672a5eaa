"""Slither result dictionaries → :class:`StaticFinding`, with a fingerprint that survives line moves."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from vaultproof.dependencies import DEFAULT_DIRS, is_dependency_path
from vaultproof.results import Severity, SourceLocation, StaticFinding

_IMPACTS = {
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "informational": Severity.INFORMATIONAL,
    "optimization": Severity.OPTIMIZATION,
}
# "(contracts/Vault.sol#12-30)", "(/abs/path/File.sol#7)": where a thing is, not what it is.
_LOCATION = re.compile(r"\s*\((?:[^()]*?)\.(?:sol|vy)#\d+(?:-\d+)?\)")
_LINE_SUFFIX = re.compile(r"#\d+(?:-\d+)?")
_PATHS = re.compile(r"(?:[\w.\-]+/)+([\w.\-]+\.(?:sol|vy))")
# SlithIR temporaries (TMP_12, REF_3, TUPLE_0) are renumbered by unrelated edits elsewhere in a contract.
_TEMPORARIES = re.compile(r"\b(TMP|REF|TUPLE)_\d+\b")


def normalise_description(text: str) -> str:
    """The description without line numbers, paths or layout: two runs that differ only in where
    code moved produce the same text."""
    text = _LOCATION.sub("", text)
    text = _LINE_SUFFIX.sub("", text)
    text = _PATHS.sub(r"\1", text)
    text = _TEMPORARIES.sub(r"\1", text)
    return " ".join(text.split())


def fingerprint(detector: str, contract: str, function: str, description: str) -> str:
    payload = "\x1f".join((detector, contract, function, normalise_description(description)))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def subject(result: Mapping[str, Any]) -> tuple[str, str]:
    """``(contract, function)`` the result is about: its first element that names one."""
    for element in result.get("elements", []):
        kind = element.get("type")
        fields = element.get("type_specific_fields", {})
        parent = fields.get("parent", {})
        if kind == "function":
            return str(parent.get("name", "")), str(element.get("name", ""))
        if kind == "node":
            grand = parent.get("type_specific_fields", {}).get("parent", {})
            return str(grand.get("name", "")), str(parent.get("name", ""))
        if kind == "contract":
            return str(element.get("name", "")), ""
        if parent.get("type") == "function":  # a local variable, parameter, ...
            grand = parent.get("type_specific_fields", {}).get("parent", {})
            return str(grand.get("name", "")), str(parent.get("name", ""))
        if parent.get("type") == "contract":  # a state variable, struct, enum, event, error
            return str(parent.get("name", "")), ""
    return "", ""


def locations(result: Mapping[str, Any], limit: int = 12) -> tuple[SourceLocation, ...]:
    """Where the finding is, the project's own files before dependencies (a reader fixes those)."""
    seen: list[SourceLocation] = []
    elements = sorted(result.get("elements", []), key=lambda e: _in_dependency(e.get("source_mapping") or {}))
    for element in elements:
        mapping = element.get("source_mapping") or {}
        lines = mapping.get("lines") or []
        file = mapping.get("filename_relative") or mapping.get("filename_short") or ""
        if not file or not lines:
            continue
        location = SourceLocation(file=str(file), start_line=int(lines[0]), end_line=int(lines[-1]))
        if location not in seen:
            seen.append(location)
        if len(seen) >= limit:
            break
    return tuple(seen)


def _in_dependency(mapping: Mapping[str, Any], dirs: tuple[str, ...] = DEFAULT_DIRS) -> bool:
    return is_dependency_path(str(mapping.get("filename_relative", "")), dirs)


def is_dependency_only(result: Mapping[str, Any], dirs: tuple[str, ...] = DEFAULT_DIRS) -> bool:
    """All located elements are in dependencies (node_modules, lib/, vendored): not this project's finding."""
    mapped = [e.get("source_mapping") for e in result.get("elements", []) if e.get("source_mapping")]
    if not mapped:
        return False
    return all(_in_dependency(m, dirs) for m in mapped)


def to_finding(result: Mapping[str, Any], title: str, check_id: str) -> StaticFinding:
    detector = str(result.get("check", ""))
    contract, function = subject(result)
    description = str(result.get("description", "")).strip()
    impact = _IMPACTS.get(str(result.get("impact", "")).lower(), Severity.INFORMATIONAL)
    return StaticFinding(
        detector=detector,
        check_id=check_id,
        title=title,
        impact=impact,
        confidence=str(result.get("confidence", "")),
        description=description,
        contract=contract,
        function=function,
        locations=locations(result),
        fingerprint=fingerprint(detector, contract, function, description),
        slither_json=json.dumps(dict(result), sort_keys=True),
    )


def sort_key(finding: StaticFinding) -> tuple[int, str, str, str, str]:
    return (finding.impact.rank, finding.detector, finding.contract, finding.function, finding.fingerprint)

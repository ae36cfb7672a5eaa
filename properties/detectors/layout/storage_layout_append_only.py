"""ST-11: Upgrade changes the storage layout other than by appending (slots or ERC-7201 namespaces)."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from slither.core.declarations import Contract, Structure
from slither.core.solidity_types import ArrayType, MappingType, UserDefinedType
from slither.detectors.abstract_detector import DETECTOR_INFO, DetectorClassification
from slither.tools.upgradeability.checks import all_checks
from slither.tools.upgradeability.checks.abstract_checks import AbstractCheck
from slither.utils.output import Output

from properties.detectors._base import BuildArtifactDetector

_NAMESPACE = re.compile(r"@custom:storage-location\s+erc7201:([A-Za-z0-9_.\-]+)[^;{}]*$")
_VERSIONED = re.compile(r"^(?P<base>.+?)V(?P<n>\d+)$")


class StorageLayoutNotAppendOnly(BuildArtifactDetector):
    PROPERTY = "ST-11"
    ARGUMENT = "vp-storage-layout-append-only"
    HELP = "Upgrade changes the storage layout other than by appending (slots or ERC-7201 namespaces)"
    IMPACT = DetectorClassification.HIGH
    CONFIDENCE = DetectorClassification.HIGH
    WIKI_TITLE = "Storage layout is not append-only"
    WIKI_DESCRIPTION = (
        "For each (previous, current) pair, runs slither-check-upgradeability's layout checks on the plain "
        "slots and compares every ERC-7201 namespaced struct field by field: appending fields (to the "
        "namespace struct, or to a struct that is a mapping's value) is safe; removing, reordering or "
        "retyping a field, or growing a struct stored inline or in an array, moves live data."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "V2 inserts `usdcLocked` before `market` in the allocation struct; after the upgrade every existing "
        "position's market address is read as a USDC amount."
    )
    WIKI_RECOMMENDATION = "Only append fields; never reorder, remove or change the type of a stored field."
    # slither-check-upgradeability checks about the slot layout (its initializer checks are not ST-11's).
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "pairs": [],
        "upgradeability_checks": [
            "missing-variables",
            "order-vars-contracts",
            "were-constant",
            "became-constant",
        ],
    }

    def _pairs(self) -> list[tuple[str, str]]:
        configured = [(str(p[0]), str(p[1])) for p in self.settings["pairs"] if len(p) == 2]
        configured += [(str(a), str(b)) for a, b in self.CONTEXT.get("upgrades", [])]
        if configured:
            return sorted(set(configured))
        names = {c.name for c in self.compilation_unit.contracts if not c.is_interface}
        guessed = []
        for name in sorted(names):
            match = _VERSIONED.match(name)
            if match is None:
                continue
            newer = f"{match.group('base')}V{int(match.group('n')) + 1}"
            for candidate in (newer, match.group("base")):
                if candidate in names:
                    guessed.append((name, candidate))
                    break
        return guessed

    def _detect(self) -> list[Output]:
        by_name: dict[str, Contract] = {}
        for contract in self.compilation_unit.contracts:
            by_name.setdefault(contract.name, contract)
        results = []
        for previous, current in self._pairs():
            v1, v2 = by_name.get(previous), by_name.get(current)
            if v1 is None or v2 is None:
                missing = previous if v1 is None else current
                results.append(
                    self.generate_result(
                        [f"upgrade pair {previous} -> {current}: {missing} is not compiled\n"]
                    )
                )
                continue
            for check, description in _upgradeability_checks(v1, v2, self.settings["upgradeability_checks"]):
                info: DETECTOR_INFO = [
                    v2,
                    f" vs {v1.name}: slither-check-upgradeability {check}: {description}\n",
                ]
                results.append(self.generate_result(info))
            for struct, problem in _namespace_problems(v1, v2):
                info = [v2, f" vs {v1.name}: ERC-7201 ", struct, f" {problem}\n"]
                results.append(self.generate_result(info))
        return results


def _upgradeability_checks(v1: Contract, v2: Contract, wanted: list[str]) -> list[tuple[str, str]]:
    classes: list[Any] = [getattr(all_checks, name) for name in dir(all_checks)]
    checks: list[Any] = sorted(
        (c for c in classes if isinstance(c, type) and issubclass(c, AbstractCheck)),
        key=lambda c: str(c.ARGUMENT),
    )
    checks = [c for c in checks if c.REQUIRE_CONTRACT_V2 and not c.REQUIRE_PROXY and c.ARGUMENT in wanted]
    out = []
    for check in checks:
        for result in check(None, v1, contract_v2=v2).check():
            description = " ".join(str(result.get("description", "")).split())
            out.append((check.ARGUMENT, description))
    return out


def _namespaced_structs(contract: Contract) -> dict[str, Structure]:
    """ERC-7201 namespace id → struct, for structs the contract declares, inherits or uses."""
    candidates: list[Structure] = list(contract.structures)
    for function in contract.functions_and_modifiers:
        for variable in (*function.variables, *function.returns, *function.parameters):
            candidates.extend(_structs_in(variable.type))
    for variable in contract.state_variables:
        candidates.extend(_structs_in(variable.type))
    found: dict[str, Structure] = {}
    for struct in candidates:
        namespace = _namespace_of(struct)
        if namespace is not None:
            found.setdefault(namespace, struct)
    return found


def _structs_in(solidity_type: Any) -> list[Structure]:
    if isinstance(solidity_type, UserDefinedType) and isinstance(solidity_type.type, Structure):
        return [solidity_type.type]
    return []


def _namespace_of(struct: Structure) -> str | None:
    source = struct.source_mapping
    code = source.compilation_unit.core.source_code.get(source.filename.absolute)
    if code is None:
        return None
    before = code.encode("utf8")[: source.start].decode("utf8", errors="replace")
    match = _NAMESPACE.search(before[-2000:])
    return match.group(1) if match else None


def _namespace_problems(v1: Contract, v2: Contract) -> list[tuple[Structure, str]]:
    old, new = _namespaced_structs(v1), _namespaced_structs(v2)
    problems: list[tuple[Structure, str]] = []
    for namespace in sorted(old):
        if namespace not in new:
            problems.append((old[namespace], f"namespace erc7201:{namespace} is gone in {v2.name}"))
            continue
        for text in _compare_struct(old[namespace], new[namespace], old[namespace].name, can_grow=True):
            problems.append((new[namespace], f"(erc7201:{namespace}) {text}"))
    return problems


def _compare_struct(old: Structure, new: Structure, path: str, can_grow: bool) -> list[str]:
    old_fields, new_fields = old.elems_ordered, new.elems_ordered
    problems = []
    if len(new_fields) < len(old_fields):
        removed = [f.name for f in old_fields[len(new_fields) :]]
        problems.append(f"{path}: field(s) {', '.join(removed)} removed")
    elif len(new_fields) > len(old_fields) and not can_grow:
        problems.append(
            f"{path}: struct grew from {len(old_fields)} to {len(new_fields)} fields "
            "where it is stored inline"
        )
    new_names = [f.name for f in new_fields]
    for index, (a, b) in enumerate(zip(old_fields, new_fields, strict=False)):
        where = f"{path}.{a.name}"
        if a.name != b.name and a.name in new_names:
            problems.append(f"{where}: moved from position {index} to {new_names.index(a.name)} (reordered)")
            continue
        last = index == len(old_fields) - 1 and len(new_fields) == len(old_fields)
        problems.extend(_compare_types(a.type, b.type, where, can_grow and last))
    return problems


def _compare_types(old: Any, new: Any, path: str, can_grow: bool) -> list[str]:
    if isinstance(old, MappingType) and isinstance(new, MappingType):
        if str(old.type_from) != str(new.type_from):
            return [f"{path}: mapping key type {old.type_from} became {new.type_from}"]
        # a mapping value lives in its own hashed slot range: its struct may grow at the end
        return _compare_types(old.type_to, new.type_to, f"{path}[]", can_grow=True)
    if isinstance(old, ArrayType) and isinstance(new, ArrayType):
        if old.is_dynamic != new.is_dynamic or str(old.length) != str(new.length):
            return [f"{path}: array shape {old} became {new}"]
        # array elements are contiguous: an element struct may not grow
        return _compare_types(old.type, new.type, f"{path}[]", can_grow=False)
    old_struct, new_struct = _structs_in(old), _structs_in(new)
    if old_struct and new_struct:
        return _compare_struct(old_struct[0], new_struct[0], path, can_grow)
    if _type_key(old) != _type_key(new):
        return [f"{path}: type {old} became {new}"]
    return []


def _type_key(solidity_type: Any) -> str:
    if isinstance(solidity_type, UserDefinedType) and isinstance(solidity_type.type, Contract):
        return "address"  # a contract/interface-typed slot holds an address whatever its name
    return str(solidity_type)

"""ST-12: A configured field is read outside the accessor that applies its interpretation rule."""

from __future__ import annotations

from typing import Any, ClassVar

from slither.core.cfg.node import Node
from slither.core.declarations import Function
from slither.detectors.abstract_detector import DETECTOR_INFO, DetectorClassification
from slither.slithir.operations import (
    Delete,
    HighLevelCall,
    InternalCall,
    LibraryCall,
    Member,
)
from slither.utils.output import Output

from properties.detectors import _ir
from properties.detectors._base import VaultproofDetector, by_canonical_name, names_match


class FieldReadOutsideAccessor(VaultproofDetector):
    PROPERTY = "ST-12"
    ARGUMENT = "vp-field-read-outside-accessor"
    HELP = "A configured field is read outside the accessor that applies its interpretation rule"
    IMPACT = DetectorClassification.MEDIUM
    CONFIDENCE = DetectorClassification.HIGH
    WIKI_TITLE = "Raw read of a field that needs its accessor"
    WIKI_DESCRIPTION = (
        "Some stored fields only mean something through a rule (a legacy record whose `usdcLocked` is 0 is "
        "fully locked, for instance). Every read of a configured field (struct member or state variable) "
        "outside the configured accessor functions bypasses that rule."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "`unlock(alloc.usdcLocked)` on a pre-upgrade record unlocks 0 and strands the user's margin; the "
        "accessor would have returned the full amount."
    )
    WIKI_RECOMMENDATION = "Read the field only through the accessor (writes are fine)."
    DEFAULTS: ClassVar[dict[str, Any]] = {"fields": [], "accessors": []}

    def _detect(self) -> list[Output]:
        fields: list[str] = self.settings["fields"]
        accessors: list[str] = self.settings["accessors"]
        if not fields:
            return []
        results = self.missing_functions(accessors)
        for contract in self.all_project_contracts():
            for function in sorted(contract.functions_and_modifiers_declared, key=by_canonical_name):
                if not function.is_implemented or names_match(function, accessors, contract):
                    continue
                for node, field in self._reads(function, set(fields), accessors):
                    info: DETECTOR_INFO = [function, f" reads {field} outside its accessor: ", node, "\n"]
                    results.append(self.generate_result(info))
        return results

    @staticmethod
    def _reads(function: Function, fields: set[str], accessors: list[str]) -> list[tuple[Node, str]]:
        members: dict[Any, str] = {}
        for node in function.nodes:
            for ir in node.irs:
                if isinstance(ir, Member) and str(ir.variable_right) in fields:
                    members[ir.lvalue] = str(ir.variable_right)
        found: list[tuple[Node, str]] = []
        for node in _ir.ordered_nodes(function):
            names = sorted({v.name for v in node.state_variables_read if v.name in fields})
            for ir in node.irs:
                if isinstance(ir, Delete) or _calls_accessor(ir, accessors):
                    continue  # handing the raw field straight to the accessor is going through the rule
                names.extend(members[r] for r in ir.read if r in members and members[r] not in names)
            found.extend((node, name) for name in names)
        return found


def _calls_accessor(ir: Any, accessors: list[str]) -> bool:
    callee = getattr(ir, "function", None)
    if not isinstance(ir, InternalCall | LibraryCall | HighLevelCall) or not isinstance(callee, Function):
        return False
    return names_match(callee, accessors)

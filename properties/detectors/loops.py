"""ST-2: loops whose bound comes from storage or another contract, with no constant cap (Rule 8)."""

from __future__ import annotations

from typing import Any, ClassVar

from slither.core.cfg.node import Node, NodeType
from slither.core.declarations import Function
from slither.core.variables.local_variable import LocalVariable
from slither.core.variables.state_variable import StateVariable
from slither.detectors.abstract_detector import DETECTOR_INFO, DetectorClassification
from slither.slithir.operations import (
    Assignment,
    Binary,
    BinaryType,
    HighLevelCall,
    Index,
    InternalCall,
    Length,
    LibraryCall,
    LowLevelCall,
    Member,
    Operation,
    OperationWithLValue,
)
from slither.slithir.variables import Constant, ReferenceVariable
from slither.utils.output import Output

from properties.detectors import _ir
from properties.detectors._base import WIKI_ROOT, VaultproofDetector, names_match


class UnboundedLoop(VaultproofDetector):
    ARGUMENT = "vp-unbounded-loop"
    HELP = "Loop bounded by a storage array length, storage state or an external call, without a constant cap"
    IMPACT = DetectorClassification.MEDIUM
    CONFIDENCE = DetectorClassification.MEDIUM
    WIKI = f"{WIKI_ROOT}#vp-unbounded-loop"
    WIKI_TITLE = "Unbounded loop"
    WIKI_DESCRIPTION = (
        "The loop's condition depends on the length of a storage array, on storage state (a linked list "
        "walk) or on a value another contract returns, and no constant caps the number of iterations: "
        "once the list grows, the function runs out of gas."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "Governance enables one collateral too many; every liquidation iterates all of them and exceeds the "
        "block gas limit, so no account can be liquidated."
    )
    WIKI_RECOMMENDATION = "Cap the iteration count with a constant (`i < n && i < MAX_ITEMS`) or require the length."
    DEFAULTS: ClassVar[dict[str, Any]] = {"functions": [], "flag_storage_values": True}

    def _detect(self) -> list[Output]:
        configured: list[str] = self.settings["functions"]
        results = []
        for contract in self.all_project_contracts():
            for function in sorted(contract.functions_and_modifiers_declared, key=lambda f: f.canonical_name):
                if not function.is_implemented or (configured and not names_match(function, configured, contract)):
                    continue
                results.extend(self._check(function))
        return results

    def _check(self, function: Function) -> list[Output]:
        out = []
        analysis = _LoopAnalysis(function, self.settings["flag_storage_values"])
        for node in _ir.ordered_nodes(function):
            if node.type != NodeType.IFLOOP:
                continue
            reasons = analysis.unbounded_reasons(node)
            if not reasons:
                continue
            info: DETECTOR_INFO = [
                function,
                " has a loop ",
                node,
                " bounded only by " + "; ".join(reasons) + ", with no constant cap\n",
            ]
            out.append(self.generate_result(info))
        return out


class _LoopAnalysis:
    def __init__(self, function: Function, flag_storage_values: bool) -> None:
        self.function = function
        self.defs = _ir.Defs(function)
        self.flag_storage = flag_storage_values
        self.loops = _ir.loop_nodes(function)
        self.local_defs: dict[Any, list[Operation]] = {}
        for node in function.nodes:
            for ir in node.irs:
                if isinstance(ir, OperationWithLValue) and isinstance(ir.lvalue, LocalVariable):
                    self.local_defs.setdefault(ir.lvalue, []).append(ir)

    def _counters(self) -> set[Any]:
        """Locals stepped by a constant inside the loop (``i++``, ``i -= 1``)."""
        counters = set()
        for node in self.loops:
            for ir in node.irs:
                if (
                    isinstance(ir, Binary)
                    and ir.type in (BinaryType.ADDITION, BinaryType.SUBTRACTION)
                    and isinstance(ir.lvalue, LocalVariable)
                    and ir.variable_left is ir.lvalue
                    and self.defs.is_constant(ir.variable_right)
                ):
                    counters.add(ir.lvalue)
        return counters

    def _slice(self, variable: Any, seen: set[Any]) -> list[Any]:
        """Values a condition operand is built from, following locals through all their assignments."""
        if variable in seen:
            return []
        seen.add(variable)
        out = [variable]
        if isinstance(variable, LocalVariable):
            for ir in self.local_defs.get(variable, []):
                if isinstance(ir, Assignment):
                    out.extend(self._slice(ir.rvalue, seen))
                elif isinstance(ir, Binary) and ir.lvalue is variable:
                    continue  # stepping a counter does not change where its bound comes from
                else:
                    out.append(ir.lvalue)
                    out.extend(r for read in ir.read for r in self._slice(read, seen))
            return out
        ir = self.defs.definition(variable)
        if ir is None or isinstance(ir, HighLevelCall | LowLevelCall):
            return out
        for read in ir.read:
            out.extend(self._slice(read, seen))
        return out

    def _reason(self, value: Any) -> str | None:
        ir = self.defs.definition(value)
        if isinstance(ir, Length):
            if _ir.storage_root(ir.value, self.function) is not None:
                return f"the length of storage array {self.defs.chain(ir.value)}"
            return None
        if isinstance(ir, HighLevelCall | LowLevelCall) and not isinstance(ir, LibraryCall):
            return f"a value returned by external call {_ir.call_name(ir)}()"
        if isinstance(value, LocalVariable):
            for definition in self.local_defs.get(value, []):
                if isinstance(definition, HighLevelCall) and not isinstance(definition, LibraryCall):
                    return f"a value returned by external call {_ir.call_name(definition)}()"
        if not self.flag_storage:
            return None
        if isinstance(value, StateVariable) and not (value.is_constant or value.is_immutable):
            return f"storage value {value.name}"
        if isinstance(value, ReferenceVariable) and isinstance(ir, Member | Index):
            if _ir.storage_root(value, self.function) is not None:
                return f"storage value {self.defs.chain(value)}"
        return None

    def _capped_by_min(self, value: Any) -> bool:
        for ir in self.local_defs.get(value, []):
            if isinstance(ir, InternalCall | LibraryCall) and ir.function is not None and ir.function.name == "min":
                if any(self.defs.is_constant(arg) for arg in ir.arguments):
                    return True
        return False

    def unbounded_reasons(self, node: Node) -> list[str]:
        comparisons = _ir.comparisons(node)
        counters = self._counters()
        for cmp in comparisons:
            left, right = cmp.variable_left, cmp.variable_right
            for counter, bound in ((left, right), (right, left)):
                if counter in counters and (self.defs.is_constant(bound) or self._capped_by_min(bound)):
                    return []
        reasons: list[str] = []
        keys: set[str] = set()
        seen: set[Any] = set()
        for cmp in comparisons:
            for operand in (cmp.variable_left, cmp.variable_right):
                for value in self._slice(operand, seen):
                    keys.add(self.defs.chain(value))
                    reason = self._reason(value)
                    if reason is not None and reason not in reasons:
                        reasons.append(reason)
        if not comparisons:
            # A bare boolean condition (``while (more)``): what decides it?
            for ir in node.irs:
                for read in ir.read:
                    for value in self._slice(read, seen):
                        reason = self._reason(value)
                        if reason is not None and reason not in reasons:
                            reasons.append(reason)
        if reasons and self._guarded(node, keys):
            return []
        return sorted(reasons)

    def _guarded(self, loop: Node, keys: set[str]) -> bool:
        """A dominating ``require``/``if revert`` comparing the bound's source to a constant."""
        for dominator in loop.dominators:
            if dominator is loop or not _ir.is_guard(dominator):
                continue
            for cmp in _ir.comparisons(dominator):
                left, right = cmp.variable_left, cmp.variable_right
                for value, bound in ((left, right), (right, left)):
                    if isinstance(bound, Constant) or self.defs.is_constant(bound):
                        chains = {self.defs.chain(v) for v in self._slice(value, set())}
                        if chains & keys:
                            return True
        return False

"""ST-2: Loop bounded by a storage array length, storage state or an external call, without a constant cap."""

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
    InitArray,
    Length,
    LibraryCall,
    LowLevelCall,
    Member,
)
from slither.slithir.variables import Constant, ReferenceVariable
from slither.utils.output import Output

from properties.detectors import _ir
from properties.detectors._base import VaultproofDetector


class UnboundedLoop(VaultproofDetector):
    PROPERTY = "ST-2"
    ARGUMENT = "vp-unbounded-loop"
    HELP = "Loop bounded by a storage array length, storage state or an external call, without a constant cap"
    IMPACT = DetectorClassification.MEDIUM
    CONFIDENCE = DetectorClassification.MEDIUM
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
    WIKI_RECOMMENDATION = (
        "Cap the iteration count with a constant (`i < n && i < MAX_ITEMS`) or require the length."
    )
    # `roots` (names/globs, as for ST-1/ST-3) restricts the check to the must-not-revert frame they reach;
    # by default every function is checked: an unbounded loop anywhere is a gas bomb for its callers.
    DEFAULTS: ClassVar[dict[str, Any]] = {"functions": [], "flag_storage_values": True, "roots": []}

    def _detect(self) -> list[Output]:
        from properties.detectors.calls._frame import frame

        configured: list[str] = self.settings["functions"]
        roots: list[str] = self.settings["roots"]
        capped = self._capped_arrays()
        results = self.missing_functions(configured)
        if roots and not configured:
            selected = _ir.functions_reached(frame(self, [], roots, ""))
        else:
            selected = self.selected_functions(configured)
        for function in selected:
            results.extend(self._check(function, capped))
        return results

    def _capped_arrays(self) -> set[str]:
        """Storage arrays that only ever grow under a dominating length check against a constant
        (``if (a.length >= MAX) revert; a.push(x)``): a loop over them is bounded by that cap. An array
        with no visible growth site, or one unguarded growth site, is not capped."""
        guarded: set[str] = set()
        unguarded: set[str] = set()
        for contract in self.all_project_contracts():
            for function in contract.functions_and_modifiers_declared:
                if not function.is_implemented:
                    continue
                analysis = _LoopAnalysis(function, True, set())
                for node in function.nodes:
                    for identity_set, is_guarded in analysis.growth_sites(node):
                        (guarded if is_guarded else unguarded).update(identity_set)
        return guarded - unguarded

    def _check(self, function: Function, capped: set[str]) -> list[Output]:
        out = []
        analysis = _LoopAnalysis(function, self.settings["flag_storage_values"], capped)
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
    def __init__(self, function: Function, flag_storage_values: bool, capped: set[str]) -> None:
        self.function = function
        self.defs = _ir.Defs(function)
        self.flag_storage = flag_storage_values
        self.capped = capped
        self.loops = _ir.loop_nodes(function)

    def _counters(self) -> set[str]:
        """Values stepped by a constant inside the loop (``i++``, ``--k``, ``++w.visits``), by chain."""
        counters = set()
        for node in self.loops:
            for ir in node.irs:
                if (
                    isinstance(ir, Binary)
                    and ir.type in (BinaryType.ADDITION, BinaryType.SUBTRACTION)
                    and ir.lvalue is not None
                    and self.defs.chain(ir.variable_left) == self.defs.chain(ir.lvalue)
                    and self.defs.is_constant(ir.variable_right)
                ):
                    counters.add(self.defs.chain(ir.lvalue))
        return counters

    def array_identities(self, variable: Any, depth: int = 0) -> set[str]:
        """Names a storage array goes by across functions: ``_collaterals``, ``_userKeys[]``,
        ``<Layout>.allocs[]`` (storage pointers are named by their struct type)."""
        if depth > 8:
            return {"?"}
        if isinstance(variable, StateVariable):
            return {variable.name}
        if isinstance(variable, LocalVariable):
            # ``T[] storage p = x`` is an Assignment, or (SlithIR quirk for arrays) a one-element InitArray
            sources = [ir.rvalue for ir in self.defs.assignments(variable) if isinstance(ir, Assignment)]
            sources += [
                ir.init_values[0]
                for ir in self.defs.assignments(variable)
                if isinstance(ir, InitArray) and len(ir.init_values) == 1
            ]
            if not sources:
                return {f"<{variable.type}>"} if variable.is_storage else {f"?{variable.name}"}
            out: set[str] = set()
            for source in sources:
                out |= self.array_identities(source, depth + 1)
            return out
        ir = self.defs.definition(variable)
        if isinstance(ir, Index):
            return {f"{i}[]" for i in self.array_identities(ir.variable_left, depth + 1)}
        if isinstance(ir, Member):
            return {f"{i}.{ir.variable_right}" for i in self.array_identities(ir.variable_left, depth + 1)}
        if variable in _ir.storage_temporaries(self.function):
            return {f"<{variable.type}>"}
        return {f"?{variable}"}

    def _length_identities(self, value: Any) -> set[str]:
        """Arrays whose length a value is built from (following locals)."""
        out: set[str] = set()
        for item in self._slice(value, set()):
            ir = self.defs.definition(item)
            if isinstance(ir, Length):
                out |= self.array_identities(ir.value)
        return out

    def growth_sites(self, node: Node) -> list[tuple[set[str], bool]]:
        """``(array identities, guarded?)`` for every push (length write) or whole-array assignment."""
        sites = []
        for ir in node.irs:
            if not isinstance(ir, Assignment) or not _ir.writes_storage_ir(ir):
                continue
            definition = self.defs.definition(ir.lvalue)
            if isinstance(definition, Length):
                grown = self.defs.definition(ir.rvalue)
                if isinstance(grown, Binary) and grown.type == BinaryType.SUBTRACTION:
                    continue  # pop(): the length shrinks
                identities = self.array_identities(definition.value)
            elif isinstance(ir.lvalue, StateVariable | ReferenceVariable) and str(ir.lvalue.type).endswith(
                "]"
            ):
                identities = self.array_identities(ir.lvalue)
            else:
                continue
            sites.append((identities, self._growth_guarded(node, identities)))
        return sites

    def _growth_guarded(self, node: Node, identities: set[str]) -> bool:
        for dominator in node.dominators:
            if not _ir.is_guard(dominator):
                continue
            for cmp in _ir.comparisons(dominator):
                for value, bound in (
                    (cmp.variable_left, cmp.variable_right),
                    (cmp.variable_right, cmp.variable_left),
                ):
                    if self.defs.is_constant(bound) and identities <= self._length_identities(value):
                        return True
        return False

    def _capped_local(self, value: Any) -> bool:
        """``n = len < MAX ? len : MAX`` / ``if (n > MAX) n = MAX``: a local clamped to a constant."""
        if not isinstance(value, LocalVariable):
            return False
        constants = {
            self.defs.chain(ir.rvalue)
            for ir in self.defs.assignments(value)
            if isinstance(ir, Assignment) and self.defs.is_constant(ir.rvalue)
        }
        if not constants:
            return False
        for node in self.function.nodes:
            if node.type != NodeType.IF:
                continue
            for cmp in _ir.comparisons(node):
                if {self.defs.chain(cmp.variable_left), self.defs.chain(cmp.variable_right)} & constants:
                    return True
        return False

    def _slice(self, variable: Any, seen: set[Any]) -> list[Any]:
        """Values a condition operand is built from, following locals through all their assignments."""
        if variable in seen:
            return []
        seen.add(variable)
        out = [variable]
        if isinstance(variable, LocalVariable):
            for ir in self.defs.assignments(variable):
                if isinstance(ir, Assignment):
                    out.extend(self._slice(ir.rvalue, seen))
                elif isinstance(ir, Binary) and ir.lvalue is variable:
                    continue  # stepping a counter does not change where its bound comes from
                else:
                    out.append(ir.lvalue)
                    out.extend(r for read in ir.read for r in self._slice(read, seen))
            return out
        ir = self.defs.definition(variable)
        if isinstance(ir, Length) and _ir.storage_root(ir.value, self.function) is None:
            out.extend(self._slice(ir.value, seen))  # a memory array: where did it come from?
            return out
        if ir is None or isinstance(ir, HighLevelCall | LowLevelCall | Length | Member | Index):
            return out  # a call result, a storage length or a storage read is classified as it is
        for read in ir.read:
            out.extend(self._slice(read, seen))
        return out

    def _reason(self, value: Any) -> str | None:
        ir = self.defs.definition(value)
        if isinstance(ir, Length):
            if _ir.storage_root(ir.value, self.function) is None:
                return None
            if self.array_identities(ir.value) <= self.capped:
                return None  # every push is guarded by a constant cap
            return f"the length of storage array {self.defs.chain(ir.value)}"
        if isinstance(ir, HighLevelCall | LowLevelCall) and not isinstance(ir, LibraryCall):
            return f"a value returned by external call {_ir.call_name(ir)}()"
        if isinstance(value, LocalVariable):
            for definition in self.defs.assignments(value):
                if isinstance(definition, HighLevelCall) and not isinstance(definition, LibraryCall):
                    return f"a value returned by external call {_ir.call_name(definition)}()"
        if not self.flag_storage:
            return None
        if isinstance(value, StateVariable) and not (value.is_constant or value.is_immutable):
            return f"storage value {value.name}"
        if (
            isinstance(value, ReferenceVariable)
            and isinstance(ir, Member | Index)
            and _ir.storage_root(value, self.function) is not None
        ):
            return f"storage value {self.defs.chain(value)}"
        return None

    def _capped_by_min(self, value: Any) -> bool:
        for ir in self.defs.assignments(value):
            callee = _ir.internal_target(ir)
            if (
                callee is not None
                and callee.name == "min"
                and any(self.defs.is_constant(arg) for arg in ir.arguments)
            ):
                return True
        return self._capped_local(value)

    def unbounded_reasons(self, node: Node) -> list[str]:
        comparisons = _ir.comparisons(node)
        counters = self._counters()
        reasons: list[str] = []
        keys: set[str] = set()
        for cmp in comparisons:
            left, right = cmp.variable_left, cmp.variable_right
            for counter, bound in ((left, right), (right, left)):
                if self.defs.chain(counter) not in counters:
                    continue
                if self.defs.is_constant(bound) or self._capped_by_min(bound):
                    return []
                bound_reasons, _ = self._reasons_of(bound)
                if not bound_reasons:
                    return []  # a counter against a bounded value (capped length, parameter) bounds the loop
        operands = [v for cmp in comparisons for v in (cmp.variable_left, cmp.variable_right)]
        if not comparisons:
            # A bare boolean condition (``while (more)``): what decides it?
            operands = [read for ir in node.irs for read in ir.read]
        for operand in operands:
            found, chains = self._reasons_of(operand)
            keys |= chains
            reasons.extend(r for r in found if r not in reasons)
        if reasons and self._guarded(node, keys):
            return []
        return sorted(reasons)

    def _reasons_of(self, operand: Any) -> tuple[list[str], set[str]]:
        reasons: list[str] = []
        chains: set[str] = set()
        for value in self._slice(operand, set()):
            chains.add(self.defs.chain(value))
            reason = self._reason(value)
            if reason is not None and reason not in reasons:
                reasons.append(reason)
        return reasons, chains

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

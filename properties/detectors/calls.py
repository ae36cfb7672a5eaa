"""Detectors about external calls: ST-1 (try/catch in loops), ST-3 (CEI), ST-4 (balance-delta proceeds),
ST-7 (nonReentrant), ST-8 (arch parity), ST-9 (non-custodial)."""

from __future__ import annotations

from typing import Any, ClassVar

from slither.core.cfg.node import Node, NodeType
from slither.core.declarations import Contract, Function
from slither.detectors.abstract_detector import DETECTOR_INFO, DetectorClassification
from slither.slithir.operations import (
    Assignment,
    Binary,
    EventCall,
    HighLevelCall,
    InternalCall,
    LibraryCall,
    LowLevelCall,
    Operation,
    OperationWithLValue,
    Return,
    Send,
    Transfer,
    TypeConversion,
    Unpack,
)
from slither.utils.output import Output

from properties.detectors import _ir
from properties.detectors._base import (
    WIKI_ROOT,
    VaultproofDetector,
    is_state_changing_entry,
    pattern_match,
)

# Names of functions that must complete (liquidation/settlement frames) when none are configured.
FRAME_PATTERN = r"(?i)(liquidat|settle|deficit|cover|release|unwind|backstop|socializ)"


def _by_name(function: Function) -> str:
    return str(function.canonical_name)


class _FrameDetector(VaultproofDetector):
    """Shared selection: configured ``functions`` (``Contract.fn``) or the ``pattern`` heuristic."""

    def frame_roots(self) -> list[Function]:
        configured: list[str] = self.settings["functions"]
        pattern: str = self.settings["pattern"]
        candidates = self.selected_functions(configured, with_modifiers=False)
        return candidates if configured else [f for f in candidates if pattern_match(pattern, f.name)]


# ---------------------------------------------------------------------------------------------- ST-1


class UnguardedExternalCallInLoop(_FrameDetector):
    ARGUMENT = "vp-unguarded-external-call-in-loop"
    HELP = "External call inside a loop of a must-not-revert function, not wrapped in try/catch"
    IMPACT = DetectorClassification.HIGH
    CONFIDENCE = DetectorClassification.MEDIUM
    WIKI = f"{WIKI_ROOT}#vp-unguarded-external-call-in-loop"
    WIKI_TITLE = "Unguarded external call in a must-not-revert loop"
    WIKI_DESCRIPTION = (
        "A function that must complete (liquidation, deficit settlement) makes an external call inside a "
        "loop without try/catch: one reverting callee bricks the whole frame."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "`for (c in collaterals) book.placeMarketOrder(...)`: a malicious maker hook reverts on one book and "
        "no account can be liquidated any more."
    )
    WIKI_RECOMMENDATION = "Wrap each call in try/catch (or `this.f()` with try) and continue on failure."
    DEFAULTS: ClassVar[dict[str, Any]] = {"functions": [], "pattern": FRAME_PATTERN, "include_view": False}

    def _detect(self) -> list[Output]:
        include_view: bool = self.settings["include_view"]
        results = self.missing_functions(self.settings["functions"])
        hits: dict[Node, list[str]] = {}
        for root in self.frame_roots():
            for node in self._unguarded(root, include_view):
                hits.setdefault(node, [])
                if root.canonical_name not in hits[node]:
                    hits[node].append(root.canonical_name)
        for node in sorted(hits, key=lambda n: (n.function.canonical_name, n.node_id)):
            info: DETECTOR_INFO = [
                node.function,
                " makes an external call inside a loop without try/catch: ",
                node,
                "\n\tmust-not-revert frame: " + ", ".join(sorted(hits[node])) + "\n",
            ]
            results.append(self.generate_result(info))
        return results

    def _unguarded(self, root: Function, include_view: bool) -> list[Node]:
        found: list[Node] = []
        seen: set[tuple[Function, bool]] = set()

        def visit(function: Function, inherited_loop: bool) -> None:
            if (function, inherited_loop) in seen:
                return
            seen.add((function, inherited_loop))
            loops = _ir.loop_nodes(function)
            for node in _ir.ordered_nodes(function):
                in_loop = inherited_loop or node in loops
                calls = [ir for ir in node.irs if _ir.is_external_call(ir)]
                for ir in calls:
                    # In a TRY node only the last call is the try'd one; earlier calls build its arguments.
                    guarded = node.type == NodeType.TRY and ir is calls[-1]
                    wanted = include_view or not _ir.is_static_call(ir)
                    if in_loop and not guarded and wanted and node not in found:
                        found.append(node)
                for ir in node.irs:
                    callee = _ir.internal_callees(ir)
                    if callee is not None:
                        visit(callee, in_loop)

        visit(root, False)
        return found


# ---------------------------------------------------------------------------------------------- ST-3


class StorageWriteAfterExternalCall(_FrameDetector):
    ARGUMENT = "vp-cei-storage-write-after-call"
    HELP = "Storage write after a state-changing external call in a configured frame (CEI)"
    IMPACT = DetectorClassification.MEDIUM
    CONFIDENCE = DetectorClassification.MEDIUM
    WIKI = f"{WIKI_ROOT}#vp-cei-storage-write-after-call"
    WIKI_TITLE = "Checks-effects-interactions violated in a critical frame"
    WIKI_DESCRIPTION = (
        "Within the configured frame (default: liquidation/settlement functions and everything they call), "
        "storage is written after a state-changing external call. View/staticcall reads, and balance reads "
        "used to measure a balance delta, do not open the window."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "The vault sells collateral on an order book whose maker hook re-enters the vault before the "
        "deficit bookkeeping is written; the re-entrant call sees stale state."
    )
    WIKI_RECOMMENDATION = (
        "Write all effects before the interaction, or keep the values in memory until the end."
    )
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "functions": [],
        "pattern": FRAME_PATTERN,
        "trusted": [],
        "balance_functions": ["balanceOf", "getBalance"],
    }

    def _opens_window(self, ir: Operation) -> bool:
        if not _ir.is_external_call(ir) or _ir.is_static_call(ir):
            return False
        if _ir.call_name(ir) in self.settings["balance_functions"]:
            return False
        trusted: list[str] = self.settings["trusted"]
        return not (trusted and isinstance(ir, HighLevelCall) and _ir.callee_target_name(ir) in trusted)

    def _calls_out(self, function: Function) -> bool:
        return _ir.transitive(
            function, lambda f: any(self._opens_window(ir) for n in f.nodes for ir in n.irs)
        )

    def _node_calls_out(self, node: Node) -> bool:
        for ir in node.irs:
            if self._opens_window(ir):
                return True
            callee = _ir.internal_callees(ir)
            if callee is not None and self._calls_out(callee):
                return True
        return False

    @staticmethod
    def _node_writes(node: Node) -> bool:
        if _ir.node_writes_storage(node):
            return True
        return any(
            (callee := _ir.internal_callees(ir)) is not None and _ir.function_writes_storage(callee)
            for ir in node.irs
        )

    def _same_node_write_after_call(self, node: Node) -> bool:
        called = False
        for ir in node.irs:
            if called and _ir.writes_storage_ir(ir):
                return True
            if self._opens_window(ir):
                called = True
        return False

    def _detect(self) -> list[Output]:
        roots = self.frame_roots()
        frame = _ir.functions_reached(roots)
        results = self.missing_functions(self.settings["functions"])
        reported: set[Node] = set()
        for function in sorted(frame, key=_by_name):
            for node in _ir.ordered_nodes(function):
                if node in reported or not self._node_calls_out(node):
                    continue
                writes = sorted(
                    (m for m in _ir.after(node) if self._node_writes(m)),
                    key=lambda m: m.node_id,
                )
                if self._same_node_write_after_call(node) and node not in writes:
                    writes.insert(0, node)
                if not writes:
                    continue
                reported.add(node)
                info: DETECTOR_INFO = [function, " writes storage after the external call ", node, "\n"]
                for write in writes:
                    info.extend(["\t- ", write, "\n"])
                results.append(self.generate_result(info))
        return results


# ---------------------------------------------------------------------------------------------- ST-4


class ReturnValueProceeds(VaultproofDetector):
    ARGUMENT = "vp-return-value-proceeds"
    HELP = "Proceeds taken from a callee's return value although a balance delta is measured"
    IMPACT = DetectorClassification.MEDIUM
    CONFIDENCE = DetectorClassification.MEDIUM
    WIKI = f"{WIKI_ROOT}#vp-return-value-proceeds"
    WIKI_TITLE = "Proceeds from a return value instead of the balance delta"
    WIKI_DESCRIPTION = (
        "A function reads a balance before and after a state-changing external call, yet uses the value the "
        "callee returned for its accounting. A malicious or buggy callee can report any amount."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "`(, uint256 quote) = book.placeMarketOrder(...)`; the book reports more quote than it delivered and "
        "the vault credits insurance with tokens it never received."
    )
    WIKI_RECOMMENDATION = (
        "Use `balanceAfter - balanceBefore` as the proceeds; treat the return value as a hint."
    )
    DEFAULTS: ClassVar[dict[str, Any]] = {"balance_functions": ["balanceOf", "getBalance"], "functions": []}

    def _reads_balance(self, node: Node) -> bool:
        names: list[str] = self.settings["balance_functions"]

        def direct(function: Function) -> bool:
            return any(
                _ir.call_name(ir) in names for n in function.nodes for ir in n.irs if _ir.is_external_call(ir)
            )

        for ir in node.irs:
            if _ir.is_external_call(ir) and _ir.call_name(ir) in names:
                return True
            callee = _ir.internal_callees(ir)
            if callee is not None and _ir.transitive(callee, direct):
                return True
        return False

    def _detect(self) -> list[Output]:
        configured: list[str] = self.settings["functions"]
        results = self.missing_functions(configured)
        for function in self.selected_functions(configured, with_modifiers=False):
            results.extend(self._check(function))
        return results

    def _check(self, function: Function) -> list[Output]:
        balance_nodes = [n for n in function.nodes if self._reads_balance(n)]
        if len(balance_nodes) < 1:
            return []
        out = []
        for node in _ir.ordered_nodes(function):
            for ir in node.irs:
                if not (isinstance(ir, HighLevelCall) and _ir.is_external_call(ir)) or _ir.is_static_call(ir):
                    continue
                if ir.lvalue is None or _ir.call_name(ir) in self.settings["balance_functions"]:
                    continue
                later = _ir.after(node)
                before = any(node in _ir.after(b) for b in balance_nodes if b is not node)
                after_ = any(
                    b in later for b in balance_nodes if b is not node
                ) or self._balance_later_in_node(node, ir)
                if not (before and after_):
                    continue
                use = self._accounting_use(function, node, ir)
                if use is None:
                    continue
                info: DETECTOR_INFO = [
                    function,
                    " measures a balance before and after ",
                    node,
                    " but uses the call's return value for accounting at ",
                    use,
                    "\n",
                ]
                out.append(self.generate_result(info))
        return out

    def _balance_later_in_node(self, node: Node, call: Operation) -> bool:
        names: list[str] = self.settings["balance_functions"]
        seen = False
        for ir in node.irs:
            if ir is call:
                seen = True
            elif seen and _ir.is_external_call(ir) and _ir.call_name(ir) in names:
                return True
        return False

    @staticmethod
    def _accounting_use(function: Function, node: Node, call: HighLevelCall) -> Node | None:
        tainted: set[Any] = {call.lvalue}
        changed = True
        while changed:
            changed = False
            for n in function.nodes:
                for ir in n.irs:
                    if (
                        isinstance(ir, Unpack | Assignment | TypeConversion)
                        and any(r in tainted for r in ir.read)
                        and ir.lvalue is not None
                        and ir.lvalue not in tainted
                    ):
                        tainted.add(ir.lvalue)
                        changed = True
        for n in _ir.ordered_nodes(function):
            for ir in n.irs:
                if ir is call or isinstance(ir, EventCall) or not any(r in tainted for r in ir.read):
                    continue
                if isinstance(ir, Binary) and ir.type in _ir.ARITHMETIC:
                    return n
                if isinstance(ir, Return):
                    return n
                if isinstance(ir, HighLevelCall | InternalCall | LibraryCall | LowLevelCall):
                    return n
                if isinstance(ir, OperationWithLValue) and _ir.writes_storage_ir(ir):
                    return n
        return None


# ---------------------------------------------------------------------------------------------- ST-7


class MissingNonReentrant(VaultproofDetector):
    ARGUMENT = "vp-missing-nonreentrant"
    HELP = "External state-changing function of a guarded contract without nonReentrant"
    IMPACT = DetectorClassification.MEDIUM
    CONFIDENCE = DetectorClassification.HIGH
    WIKI = f"{WIKI_ROOT}#vp-missing-nonreentrant"
    WIKI_TITLE = "State-changing entry point without reentrancy guard"
    WIKI_DESCRIPTION = (
        "In a configured contract (default: every contract that has a `nonReentrant` modifier), every "
        "public/external state-changing function must carry the guard; one unguarded entry point is enough "
        "for a re-entrant callee to reach inconsistent state."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "Liquidation is guarded but `deallocateFromPosition` is not; a maker hook called during the "
        "collateral sale re-enters through it and unlocks margin twice."
    )
    WIKI_RECOMMENDATION = "Add `nonReentrant` to every external state-changing function of the contract."
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "contracts": [],
        "modifiers": ["nonReentrant"],
        "exempt": [],
        "exempt_modifiers": ["initializer", "reinitializer"],
        "include_inherited": False,
    }

    def _contracts(self) -> list[Contract]:
        names: list[str] = self.settings["contracts"]
        guards: list[str] = self.settings["modifiers"]
        if names:
            return [c for c in self.all_project_contracts() if c.name in names]
        return [
            c
            for c in self.all_project_contracts()
            if not c.is_interface and any(m.name in guards for m in c.modifiers)
        ]

    def _detect(self) -> list[Output]:
        guards: list[str] = self.settings["modifiers"]
        exempt: list[str] = self.settings["exempt"]
        exempt_modifiers: list[str] = self.settings["exempt_modifiers"]
        results = self.missing_contracts(self.settings["contracts"])
        for contract in self._contracts():
            functions = (
                contract.functions if self.settings["include_inherited"] else contract.functions_declared
            )
            for function in sorted(functions, key=_by_name):
                if not is_state_changing_entry(function, exempt, contract):
                    continue
                modifiers = {m.name for m in function.modifiers}
                if modifiers & set(guards) or modifiers & set(exempt_modifiers) or _self_only(function):
                    continue
                info: DETECTOR_INFO = [
                    function,
                    f" in {contract.name} is state-changing and not {guards[0]}\n",
                ]
                results.append(self.generate_result(info))
        return results


def _self_only(function: Function) -> bool:
    """Guarded by ``msg.sender == address(this)``: only callable from the contract's own (guarded) frame,
    e.g. the external self-call that lets a loop wrap one step in try/catch."""
    for reached in _ir.functions_reached([function]):
        for node in reached.nodes:
            if not (
                _ir.is_guard(node) or node.is_conditional(include_loop=False)
            ) or not _ir.reads_msg_sender(node):
                continue
            if any(getattr(v, "name", "") == "this" for v in node.solidity_variables_read):
                return True
    return False


# ---------------------------------------------------------------------------------------------- ST-8


class ArchParity(VaultproofDetector):
    ARGUMENT = "vp-arch-parity"
    HELP = "Two settlement arches do not reach the same set of callbacks"
    IMPACT = DetectorClassification.MEDIUM
    CONFIDENCE = DetectorClassification.HIGH
    WIKI = f"{WIKI_ROOT}#vp-arch-parity"
    WIKI_TITLE = "Settlement arches diverge"
    WIKI_DESCRIPTION = (
        "Every configured arch contract must reach (through any of its functions) the same set of configured "
        "callback functions; a callback reached by one arch only means the other settles differently."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "The router arch settles liquidations through `releaseFromPosition` (which covers deficits with "
        "collateral) while the engine arch calls a legacy path: the same liquidation leaves different debt."
    )
    WIKI_RECOMMENDATION = "Route both arches through the same callbacks (or list the intended difference)."
    DEFAULTS: ClassVar[dict[str, Any]] = {"arches": [], "callbacks": []}

    def _detect(self) -> list[Output]:
        arches: list[str] = self.settings["arches"]
        callbacks: list[str] = self.settings["callbacks"]
        if len(arches) < 2 or not callbacks:
            return []
        by_name = {c.name: c for c in self.compilation_unit.contracts}
        results = []
        reached: dict[str, set[str]] = {}
        for arch in arches:
            contract = by_name.get(arch)
            if contract is None:
                results.append(
                    self.generate_result([f"configured arch contract {arch} is not in the compilation\n"])
                )
                continue
            reached[arch] = self._reached(contract, callbacks, by_name)
        union = set().union(*reached.values()) if reached else set()
        for arch in sorted(reached):
            contract = by_name[arch]
            for callback in sorted(union - reached[arch]):
                others = sorted(a for a in reached if callback in reached[a])
                info: DETECTOR_INFO = [
                    contract,
                    f" never reaches the callback {callback}, which {', '.join(others)} reach(es)\n",
                ]
                results.append(self.generate_result(info))
        return results

    @staticmethod
    def _reached(contract: Contract, callbacks: list[str], by_name: dict[str, Contract]) -> set[str]:
        found: set[str] = set()
        for function in _ir.functions_reached(sorted(contract.functions, key=_by_name)):
            for node in function.nodes:
                for ir in node.irs:
                    if not isinstance(ir, HighLevelCall) or isinstance(ir, LibraryCall):
                        continue
                    target = _ir.callee_target_name(ir)
                    for entry in callbacks:
                        owner, _, name = entry.rpartition(".")
                        if name != _ir.call_name(ir):
                            continue
                        if owner:
                            owner_contract = by_name.get(owner)
                            accepted = {owner}
                            if owner_contract is not None:
                                accepted |= {c.name for c in owner_contract.inheritance}
                            if target not in accepted:
                                continue
                        found.add(entry)
        return found


# ---------------------------------------------------------------------------------------------- ST-9


class CustodialCallInNonCustodial(VaultproofDetector):
    ARGUMENT = "vp-noncustodial-transfer"
    HELP = "A non-custodial contract can reach a token transfer"
    IMPACT = DetectorClassification.HIGH
    CONFIDENCE = DetectorClassification.HIGH
    WIKI = f"{WIKI_ROOT}#vp-noncustodial-transfer"
    WIKI_TITLE = "Token movement reachable from a non-custodial contract"
    WIKI_DESCRIPTION = (
        "A contract declared non-custodial (a risk engine, an oracle) reaches an ERC-20 "
        "`transfer`/`transferFrom`/`safeTransfer*`, an ether transfer, or a configured custody function."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "A risk engine that was meant only to value collateral gains a `sweep` helper; a bug in its access "
        "control now drains the custodian it is an operator of."
    )
    WIKI_RECOMMENDATION = "Move token movements to the custodian; keep the risk engine read-only."
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "contracts": [],
        "transfer_functions": ["transfer", "transferFrom", "safeTransfer", "safeTransferFrom", "sendValue"],
        "custody_functions": [],
    }

    def _detect(self) -> list[Output]:
        names: list[str] = self.settings["contracts"]
        moving = set(self.settings["transfer_functions"]) | set(self.settings["custody_functions"])
        by_name = {c.name: c for c in self.compilation_unit.contracts}
        results = []
        for name in names:
            contract = by_name.get(name)
            if contract is None:
                results.append(
                    self.generate_result([f"configured non-custodial contract {name} is not compiled\n"])
                )
                continue
            entries = sorted(
                (
                    f
                    for f in contract.functions
                    if f.visibility in ("public", "external") and f.is_implemented
                ),
                key=_by_name,
            )
            hits: dict[Node, list[str]] = {}
            for entry in entries:
                for function in _ir.functions_reached([entry]):
                    for node in function.nodes:
                        if any(self._moves(ir, moving) for ir in node.irs):
                            hits.setdefault(node, [])
                            if entry.name not in hits[node]:
                                hits[node].append(entry.name)
            for node in sorted(hits, key=lambda n: (n.function.canonical_name, n.node_id)):
                info: DETECTOR_INFO = [
                    f"non-custodial {contract.name} reaches a token transfer ",
                    node,
                    " from " + ", ".join(sorted(hits[node])) + "\n",
                ]
                results.append(self.generate_result(info))
        return results

    @staticmethod
    def _moves(ir: Operation, moving: set[str]) -> bool:
        if isinstance(ir, Transfer | Send):
            return True
        if isinstance(ir, LowLevelCall):
            return ir.call_value is not None
        if isinstance(ir, HighLevelCall):
            return _ir.call_name(ir) in moving
        return False

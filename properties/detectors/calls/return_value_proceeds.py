"""ST-4: Proceeds taken from a callee's return value although a balance delta is measured."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

from slither.core.cfg.node import Node
from slither.core.declarations import Function
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
    TypeConversion,
    Unpack,
)
from slither.utils.output import Output

from properties.detectors import _ir
from properties.detectors._base import (
    VaultproofDetector,
)

# External calls that sell or swap: their return value is the callee's claim of what it paid out.
SELL_PATTERN = r"(?i)(swap|sell|exchange|trade|marketorder|exactinput|exactoutput)"


class ReturnValueProceeds(VaultproofDetector):
    PROPERTY = "ST-4"
    ARGUMENT = "vp-return-value-proceeds"
    HELP = "Proceeds taken from a callee's return value instead of a measured balance delta"
    IMPACT = DetectorClassification.MEDIUM
    CONFIDENCE = DetectorClassification.MEDIUM
    WIKI_TITLE = "Proceeds from a return value instead of the balance delta"
    WIKI_DESCRIPTION = (
        "A function reads a balance before and after a state-changing external call, yet uses the value the "
        "callee returned for its accounting; or it takes the proceeds of a sale or swap (a call whose name "
        "matches `sell_pattern`) from the call's return value and books them without measuring the balance "
        "delta at all, wherever that happens (an internal helper returning them counts). A malicious or "
        "buggy callee can report any amount."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "`(, uint256 quote) = book.placeMarketOrder(...)`; the book reports more quote than it delivered and "
        "the vault credits insurance with tokens it never received."
    )
    WIKI_RECOMMENDATION = (
        "Use `balanceAfter - balanceBefore` as the proceeds; treat the return value as a hint."
    )
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "balance_functions": ["balanceOf", "getBalance"],
        "functions": [],
        "sell_pattern": SELL_PATTERN,
    }

    def _reads_balance(self, node: Node) -> bool:
        names: list[str] = self.settings["balance_functions"]

        def direct(function: Function) -> bool:
            return any(_is_balance_read(ir, names) for n in function.nodes for ir in n.irs)

        for ir in node.irs:
            if _is_balance_read(ir, names):
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
        out = self._unmeasured_sales(function, balance_nodes)
        if len(balance_nodes) < 1:
            return out
        for node, ir in _state_changing_calls(function):
            if ir.lvalue is None or _ir.call_name(ir) in self.settings["balance_functions"]:
                continue
            before, after_ = _around(node, balance_nodes)
            if not (before and (after_ or self._balance_later_in_node(node, ir))):
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

    def _unmeasured_sales(self, function: Function, balance_nodes: list[Node]) -> list[Output]:
        """Sale/swap proceeds booked from the return value with no balance read around the call."""
        pattern: str = self.settings["sell_pattern"]
        out = []
        for node, ir in _state_changing_calls(function):
            if ir.lvalue is None or not pattern or not re.search(pattern, _ir.call_name(ir)):
                continue
            if getattr(ir.destination, "name", "") == "this":
                continue  # `this.sellGuarded(...)`: the contract's own code reports, no callee to trust
            if all(_around(node, balance_nodes)):
                continue  # the delta is measured: the rule above decides which value is used
            # Handing the value back to an external caller is not booking it; an internal helper's
            # return is (its caller books it).
            external = function.visibility in ("public", "external")
            use = self._accounting_use(function, node, ir, returns_count=not external)
            if use is None:
                continue
            info: DETECTOR_INFO = [
                function,
                " takes the proceeds of ",
                node,
                " from the call's return value without measuring a balance delta, and books them at ",
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
            elif seen and _is_balance_read(ir, names):
                return True
        return False

    @staticmethod
    def _accounting_use(
        function: Function, node: Node, call: HighLevelCall, returns_count: bool = True
    ) -> Node | None:
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
                    if returns_count:
                        return n
                    continue
                if isinstance(ir, HighLevelCall | InternalCall | LibraryCall | LowLevelCall):
                    return n
                if isinstance(ir, OperationWithLValue) and _ir.writes_storage_ir(ir):
                    return n
        return None


def _is_balance_read(ir: Operation, names: list[str]) -> bool:
    return _ir.is_external_call(ir) and _ir.call_name(ir) in names


def _state_changing_calls(function: Function) -> Iterator[tuple[Node, HighLevelCall]]:
    """Every state-changing call into another contract, with its node, in node order."""
    for node in _ir.ordered_nodes(function):
        for ir in node.irs:
            if isinstance(ir, HighLevelCall) and _ir.is_external_call(ir) and not _ir.is_static_call(ir):
                yield node, ir


def _around(node: Node, balance_nodes: list[Node]) -> tuple[bool, bool]:
    """Whether a balance is read before ``node`` and whether one is read after it (other nodes only)."""
    others = [b for b in balance_nodes if b is not node]
    later = _ir.after(node)
    return any(node in _ir.after(b) for b in others), any(b in later for b in others)

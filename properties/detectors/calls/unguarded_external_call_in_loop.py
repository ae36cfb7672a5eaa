"""ST-1: External call inside a loop of a must-not-revert function, not wrapped in try/catch."""

from __future__ import annotations

from typing import Any, ClassVar

from slither.core.cfg.node import Node, NodeType
from slither.core.declarations import Function
from slither.detectors.abstract_detector import DETECTOR_INFO, DetectorClassification
from slither.utils.output import Output

from properties.detectors import _ir
from properties.detectors.calls._frame import FrameDetector


class UnguardedExternalCallInLoop(FrameDetector):
    PROPERTY = "ST-1"
    ARGUMENT = "vp-unguarded-external-call-in-loop"
    HELP = "External call inside a loop of a must-not-revert function, not wrapped in try/catch"
    IMPACT = DetectorClassification.HIGH
    CONFIDENCE = DetectorClassification.MEDIUM
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
    DEFAULTS: ClassVar[dict[str, Any]] = {**FrameDetector.DEFAULTS, "include_view": False}

    def _detect(self) -> list[Output]:
        include_view: bool = self.settings["include_view"]
        results = self.missing_functions(self.settings["functions"])
        hits = _ir.by_node(
            (node, root.canonical_name)
            for root in self.frame_roots()
            for node in self._unguarded(root, include_view)
        )
        for node, frames in hits:
            info: DETECTOR_INFO = [
                node.function,
                " makes an external call inside a loop without try/catch: ",
                node,
                "\n\tmust-not-revert frame: " + ", ".join(frames) + "\n",
            ]
            results.append(self.generate_result(info))
        return results

    def _unguarded(self, root: Function, include_view: bool) -> list[Node]:
        found: list[Node] = []
        seen: set[tuple[Function, bool, bool]] = set()

        def visit(function: Function, inherited_loop: bool, caller_reverts: bool) -> None:
            """``caller_reverts``: some caller on the way here can revert after its call (a
            ``require(send(...))`` makes the failure of a Yul call in ``send`` revert the frame)."""
            if (function, inherited_loop, caller_reverts) in seen:
                return
            seen.add((function, inherited_loop, caller_reverts))
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
                # A Yul call cannot be try'd; it bricks the frame only when a failure is made to revert,
                # here (SafeERC20) or by a caller (require(_send(...))); a bare pop(call(...)) swallows it.
                reverts_after = caller_reverts or _ir.failure_bubbles(node)
                if in_loop and node not in found and _ir.assembly_call_irs(node) and reverts_after:
                    found.append(node)
                for ir in node.irs:
                    callee = _ir.internal_callees(ir)
                    if callee is not None:
                        visit(callee, in_loop, reverts_after)

        visit(root, False, False)
        return found

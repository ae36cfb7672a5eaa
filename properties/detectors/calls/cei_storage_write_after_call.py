"""ST-3: Storage write after a state-changing external call in a configured frame (CEI)."""

from __future__ import annotations

from typing import Any, ClassVar

from slither.core.cfg.node import Node
from slither.core.declarations import Function
from slither.detectors.abstract_detector import DETECTOR_INFO, DetectorClassification
from slither.slithir.operations import (
    HighLevelCall,
    Operation,
)
from slither.utils.output import Output

from properties.detectors import _ir
from properties.detectors._base import (
    by_canonical_name,
)
from properties.detectors.calls._frame import FrameDetector


class StorageWriteAfterExternalCall(FrameDetector):
    PROPERTY = "ST-3"
    ARGUMENT = "vp-cei-storage-write-after-call"
    HELP = "Storage write after a state-changing external call in a configured frame (CEI)"
    IMPACT = DetectorClassification.MEDIUM
    CONFIDENCE = DetectorClassification.MEDIUM
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
        **FrameDetector.DEFAULTS,
        "trusted": [],
        "balance_functions": ["balanceOf", "getBalance"],
    }

    def _opens_window(self, ir: Operation) -> bool:
        # A Yul call (SafeERC20's way to the token) hands control to the callee like a Solidity one; its
        # target is an address, so no trusted interface can vouch for it.
        if _ir.is_assembly_call(ir):
            return True
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
        for function in sorted(frame, key=by_canonical_name):
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

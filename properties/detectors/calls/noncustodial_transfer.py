"""ST-9: A non-custodial contract can reach a token transfer."""

from __future__ import annotations

from typing import Any, ClassVar

from slither.detectors.abstract_detector import DETECTOR_INFO, DetectorClassification
from slither.slithir.operations import (
    HighLevelCall,
    LowLevelCall,
    Operation,
    Send,
    Transfer,
)
from slither.utils.output import Output

from properties.detectors import _ir
from properties.detectors._base import (
    VaultproofDetector,
    by_canonical_name,
)


class CustodialCallInNonCustodial(VaultproofDetector):
    PROPERTY = "ST-9"
    ARGUMENT = "vp-noncustodial-transfer"
    HELP = "A non-custodial contract can reach a token transfer"
    IMPACT = DetectorClassification.HIGH
    CONFIDENCE = DetectorClassification.HIGH
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
        results: list[Output] = []
        for name in names:
            unknown = f"configured non-custodial contract {name} is not compiled"
            contract = self.configured_contract(by_name, name, unknown, results)
            if contract is None:
                continue
            entries = sorted(
                (
                    f
                    for f in contract.functions
                    if f.visibility in ("public", "external") and f.is_implemented
                ),
                key=by_canonical_name,
            )
            hits = _ir.by_node(
                (node, entry.name)
                for entry in entries
                for function in _ir.functions_reached([entry])
                for node in function.nodes
                if any(self._moves(ir, moving) for ir in node.irs)
            )
            for node, sources in hits:
                info: DETECTOR_INFO = [
                    f"non-custodial {contract.name} reaches a token transfer ",
                    node,
                    " from " + ", ".join(sources) + "\n",
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

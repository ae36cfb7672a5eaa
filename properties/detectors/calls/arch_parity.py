"""ST-8: Two settlement arches do not reach the same set of callbacks."""

from __future__ import annotations

from typing import Any, ClassVar

from slither.core.declarations import Contract
from slither.detectors.abstract_detector import DETECTOR_INFO, DetectorClassification
from slither.slithir.operations import (
    HighLevelCall,
    LibraryCall,
)
from slither.utils.output import Output

from properties.detectors import _ir
from properties.detectors._base import (
    VaultproofDetector,
    by_canonical_name,
)


class ArchParity(VaultproofDetector):
    PROPERTY = "ST-8"
    ARGUMENT = "vp-arch-parity"
    HELP = "Two settlement arches do not reach the same set of callbacks"
    IMPACT = DetectorClassification.MEDIUM
    CONFIDENCE = DetectorClassification.HIGH
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
        results: list[Output] = []
        reached: dict[str, set[str]] = {}
        for arch in arches:
            unknown = f"configured arch contract {arch} is not in the compilation"
            contract = self.configured_contract(by_name, arch, unknown, results)
            if contract is None:
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
        for function in _ir.functions_reached(sorted(contract.functions, key=by_canonical_name)):
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

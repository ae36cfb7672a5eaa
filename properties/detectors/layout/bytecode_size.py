"""ST-10: Deployed bytecode over the EIP-170 limit (or under the required headroom)."""

from __future__ import annotations

from typing import Any, ClassVar

from slither.core.declarations import Contract
from slither.detectors.abstract_detector import DETECTOR_INFO, DetectorClassification
from slither.utils.output import Output

from properties.detectors._base import BuildArtifactDetector, is_dependency
from vaultproof.config import DEFAULTS

EIP170_LIMIT = DEFAULTS["size_limit"]  # the engine's one default (EIP-170), for the plain Slither CLI


class BytecodeSizeLimit(BuildArtifactDetector):
    PROPERTY = "ST-10"
    ARGUMENT = "vp-bytecode-size"
    HELP = "Deployed bytecode over the EIP-170 limit (or under the required headroom)"
    IMPACT = DetectorClassification.HIGH
    CONFIDENCE = DetectorClassification.HIGH
    WIKI_TITLE = "Contract too large to deploy"
    WIKI_DESCRIPTION = (
        "EIP-170 caps deployed bytecode at 24,576 bytes; a larger contract cannot be deployed on mainnet. "
        "`min_headroom` additionally flags contracts that are within that many bytes of the limit."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "The upgrade adding collateral conversion pushes the vault over the limit; deployment fails."
    )
    WIKI_RECOMMENDATION = "Move code to libraries or split the contract; turn on the optimizer / lower runs."
    DEFAULTS: ClassVar[dict[str, Any]] = {"limit": 0, "min_headroom": 0}

    def sizes(self) -> list[tuple[Contract, int]]:
        unit = self.compilation_unit.crytic_compile_compilation_unit
        by_key = {(c.name, c.source_mapping.filename.absolute): c for c in self.compilation_unit.contracts}
        out = []
        for source_unit in unit.source_units.values():
            for name in sorted(source_unit.contracts_names):
                contract = by_key.get((name, source_unit.filename.absolute))
                runtime = source_unit.bytecode_runtime(name) or ""
                if contract is None or is_dependency(contract) or not runtime:
                    continue
                out.append((contract, len(runtime) // 2))
        return sorted(out, key=lambda item: item[0].name)

    def _detect(self) -> list[Output]:
        limit = int(self.settings["limit"] or self.CONTEXT.get("size_limit", EIP170_LIMIT))
        headroom_needed = int(self.settings["min_headroom"])
        results = []
        for contract, size in self.sizes():
            headroom = limit - size
            if headroom < 0:
                text = f" deployed bytecode is {size} B, over the {limit} B limit by {-headroom} B\n"
            elif headroom < headroom_needed:
                text = (
                    f" deployed bytecode is {size} B: headroom {headroom} B is below "
                    f"the required {headroom_needed} B\n"
                )
            else:
                continue
            info: DETECTOR_INFO = [contract, text]
            results.append(self.generate_result(info))
        return results

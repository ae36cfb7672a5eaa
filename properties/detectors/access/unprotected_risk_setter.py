"""ST-6: Public setter of a risk-relevant address/parameter without an owner/role check."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from slither.core.cfg.node import Node
from slither.core.declarations import Function
from slither.core.variables.state_variable import StateVariable
from slither.detectors.abstract_detector import DETECTOR_INFO, DetectorClassification
from slither.slithir.operations import Assignment, Delete
from slither.utils.output import Output

from properties.detectors import _ir
from properties.detectors._base import (
    VaultproofDetector,
    by_canonical_name,
    is_dependency,
    is_state_changing_entry,
)

RISK_PATTERN = (
    r"(?i)(oracle|engine|manager|vault|router|insurance|treasury|custod|fee|slippage|bps$|ppm$|factor|weight|"
    r"^cap|cap$|limit|threshold|leverage|config|tier|operator|owner|admin|guardian|keeper)"
)
PROTECTING_MODIFIER = r"(?i)^(only|auth|restricted|requires?(auth|role|owner)|initializer$|reinitializer$)"


class UnprotectedRiskSetter(VaultproofDetector):
    PROPERTY = "ST-6"
    ARGUMENT = "vp-unprotected-risk-setter"
    HELP = "Public setter of a risk-relevant address/parameter without an owner/role check"
    IMPACT = DetectorClassification.HIGH
    CONFIDENCE = DetectorClassification.MEDIUM
    WIKI_TITLE = "Unprotected risk-parameter setter"
    WIKI_DESCRIPTION = (
        "A public/external function writes a risk-relevant state variable or storage field (oracle, engine, "
        "manager, fee, slippage, weights, caps, limits — configurable patterns) and neither carries an "
        "access-control modifier nor compares `msg.sender` in a condition (directly or in what it calls)."
    )
    WIKI_EXPLOIT_SCENARIO = "Anyone calls `setPriceOracle(attacker)` and prices every liquidation."
    WIKI_RECOMMENDATION = "Guard the setter with `onlyOwner` (or a role) and emit an event."
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "patterns": [RISK_PATTERN],
        "contracts": [],
        "exempt": [],
        "modifier_pattern": PROTECTING_MODIFIER,
    }

    def _detect(self) -> list[Output]:
        contracts: list[str] = self.settings["contracts"]
        results = self.missing_contracts(contracts)
        for contract in self.project_contracts():
            if contracts and contract.name not in contracts:
                continue
            for function in sorted(contract.functions, key=by_canonical_name):
                if not is_state_changing_entry(function, self.settings["exempt"], contract) or is_dependency(
                    function.contract_declarer
                ):
                    continue
                written = self._risky_writes(function)
                if not written or self._protected(function):
                    continue
                info: DETECTOR_INFO = [
                    function,
                    f" in {contract.name} writes risk-relevant state ({', '.join(written)}) "
                    "without an owner/role check\n",
                ]
                results.append(self.generate_result(info))
        return results

    def _risky_writes(self, function: Function) -> list[str]:
        patterns: list[str] = self.settings["patterns"]
        names: set[str] = set()
        for reached in _ir.functions_reached([function]):
            if is_dependency(reached.contract_declarer) and reached is not function:
                continue  # dependencies guard their own state (Ownable's owner, for instance)
            defs = _ir.Defs(reached)
            for node in reached.nodes:
                for ir in node.irs:
                    # a setter assigns (or deletes); compound updates (``x += fee``) are accounting
                    if not isinstance(ir, Assignment | Delete) or not _ir.writes_storage_ir(ir):
                        continue
                    target = ir.variable if isinstance(ir, Delete) else ir.lvalue
                    name = target.name if isinstance(target, StateVariable) else defs.last_name(target)
                    if any(re.search(p, name) for p in patterns):
                        names.add(name)
        return sorted(names)

    def _protected(self, function: Function) -> bool:
        if any(re.search(self.settings["modifier_pattern"], m.name) for m in function.modifiers):
            return True
        for reached in _ir.functions_reached([function]):
            for node in reached.nodes:
                if _ir.reads_msg_sender(node) and (_ir.is_guard(node) or _conditional(node)):
                    return True
                if _ir.reads_msg_sender(node) and _passes_sender_to_check(node):
                    return True
        return False


def _conditional(node: Node) -> bool:
    return bool(node.is_conditional(include_loop=False))


def _passes_sender_to_check(node: Node) -> bool:
    """``_checkRole(role, msg.sender)`` / ``hasRole(role, _msgSender())`` style checks."""
    check = re.compile(r"(?i)(check|auth|role|owner|only|require)")
    for ir in node.irs:
        callee = getattr(ir, "function", None)
        name = getattr(callee, "name", "") or ""
        if check.search(name):
            return True
    return False

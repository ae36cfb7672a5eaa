"""ST-7: External state-changing function of a guarded contract without nonReentrant."""

from __future__ import annotations

from typing import Any, ClassVar

from slither.core.declarations import Contract, Function
from slither.detectors.abstract_detector import DETECTOR_INFO, DetectorClassification
from slither.utils.output import Output

from properties.detectors import _ir
from properties.detectors._base import (
    VaultproofDetector,
    by_canonical_name,
    is_state_changing_entry,
)


class MissingNonReentrant(VaultproofDetector):
    PROPERTY = "ST-7"
    ARGUMENT = "vp-missing-nonreentrant"
    HELP = "External state-changing function of a guarded contract without nonReentrant"
    IMPACT = DetectorClassification.MEDIUM
    CONFIDENCE = DetectorClassification.HIGH
    WIKI_TITLE = "State-changing entry point without reentrancy guard"
    WIKI_DESCRIPTION = (
        "In a configured contract (default: every contract that has a `nonReentrant` modifier), every "
        "public/external state-changing function must carry the guard; one unguarded entry point is enough "
        "for a re-entrant callee to reach inconsistent state. An entry point whose every effect happens "
        "inside an internal callee carrying the guard (`withdraw() { _withdraw(); }`) is guarded. In an "
        "`outbound_contracts` contract (a ledger whose other entry points are operator-only bookkeeping) "
        "only the entry points that make a state-changing external call (a token transfer out) must carry it."
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
        # Contracts held to the rule only where an entry point calls out (itself or through internal and
        # library callees, e.g. SafeERC20.safeTransfer): the call is where control leaves the contract, so
        # it is where a re-entrant callee gets in. For a ledger whose other entry points are operator-only
        # bookkeeping with no call out; the project's vaultproof.toml names which contracts those are.
        "outbound_contracts": [],
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
        outbound: list[str] = self.settings["outbound_contracts"]
        results = self.missing_contracts([*self.settings["contracts"], *outbound])
        everywhere = self._contracts()
        held = [(c, False) for c in everywhere] + [
            (c, True) for c in self.all_project_contracts() if c.name in outbound and c not in everywhere
        ]
        for contract, calls_only in held:
            functions = (
                contract.functions if self.settings["include_inherited"] else contract.functions_declared
            )
            for function in sorted(functions, key=by_canonical_name):
                if not is_state_changing_entry(function, exempt, contract):
                    continue
                modifiers = {m.name for m in function.modifiers}
                if modifiers & set(guards) or modifiers & set(exempt_modifiers) or _self_only(function):
                    continue
                if _guarded_through_callee(function, set(guards)):
                    continue
                if calls_only and not _calls_out(function):
                    continue
                what = "calls out" if calls_only else "is state-changing"
                info: DETECTOR_INFO = [function, f" in {contract.name} {what} and not {guards[0]}\n"]
                results.append(self.generate_result(info))
        return results


def _has_effects(function: Function) -> bool:
    """Writes storage or makes a state-changing external call, a Solidity or a Yul one (itself or through
    internal callees)."""

    def direct(f: Function) -> bool:
        return any(_ir.node_writes_storage(n) or _ir.outbound_call_irs(n) for n in f.nodes)

    return _ir.transitive(function, direct)


def _calls_out(function: Function) -> bool:
    """Makes a state-changing external call (a Solidity one or a Yul ``call``), itself or through internal
    and library callees."""

    def direct(f: Function) -> bool:
        return any(_ir.outbound_call_irs(n) for n in f.nodes)

    return _ir.transitive(function, direct)


def _guarded_through_callee(function: Function, guards: set[str]) -> bool:
    """``function withdraw(x) external { _withdraw(msg.sender, x); }`` with ``_withdraw`` carrying the guard:
    every effect of the entry point happens inside a guarded internal callee, so a re-entrant call through it
    reverts exactly as if the entry point itself were guarded. An effect outside the guarded callee (a write
    before the call, an unguarded helper that writes) leaves the window open and is still flagged."""
    delegated = False
    for node in function.nodes:
        if _ir.node_writes_storage(node) or _ir.outbound_call_irs(node):
            return False
        for ir in node.irs:
            callee = _ir.internal_callees(ir)
            if callee is None:
                continue
            if {m.name for m in callee.modifiers} & guards:
                delegated = True
            elif _has_effects(callee):
                return False
    return delegated


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

"""Replay recipes: each VIOLATED seed finding's counterexample as a forge test on this protocol's bytecode.

A recipe reads the counterexample's named values (raw token units) and writes the set-up, the call and the
assertion of the violation, over the suites' shared deployment (``tests/forge/utils/Deploy.sol``) or the
fixture the finding is about (the seed's backfill rule ``tests/fixtures/contracts/SeedLockRule.sol``, the
legacy vault ``contracts/legacy/BalanceManagerVaultV1.sol``, the liquidation fixture). The assertion states
the model's claim; if the bytecode does not behave that way the test fails and the harness reports
REPLAY-DIFFERS. Numbers are the counterexample's own, so a different counterexample replays as itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from vaultproof.spec import Counterexample, Recipe, ReplayTest

DEPLOY = ("VaultproofDeploy", "tests/forge/utils/Deploy.sol")
VAULT_TYPES = ("IBalanceManagerVault", "contracts/interfaces/IBalanceManagerVault.sol")
V1 = ("BalanceManagerVaultV1", "contracts/legacy/BalanceManagerVaultV1.sol")
PROXY = ("ERC1967Proxy", "node_modules/@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol")
BLOCK_LIMITS = ("BlockLimitsTest", "tests/forge/liquidation/BlockLimits.t.sol")
LIQ_TYPES = ("ILiquidationEngine", "contracts/interfaces/ILiquidationEngine.sol")

# WBTC in Deploy.sol: $85,000 at maintenance weight 95% → USD18 per satoshi.
_WBTC_VALUE18_PER_SAT = 85_000 * 10**18 * 9_500 // 10_000 // 10**8


def _values(cx: Counterexample) -> Mapping[str, int]:
    return {v.name: v.raw for v in cx.values}


def _v1_proxy(insurance_account: str) -> str:
    """Statements deploying the legacy vault behind a proxy, wired like the current one."""
    return f"""
BalanceManagerVaultV1 v1 = BalanceManagerVaultV1(address(new ERC1967Proxy(
    address(new BalanceManagerVaultV1()),
    abi.encodeCall(
        BalanceManagerVaultV1.initialize, (address(this), address(bm), address(usdc), 6, {insurance_account})
    )
)));
v1.setSettlementRouter(address(this), true);
bm.setOperator(address(v1), true);
"""


def bf2_seed_rule(cx: Counterexample) -> ReplayTest:
    """A fully virtual-backed CROSS position beside another position's lock: the seed's rule (fixture) reads
    it as a legacy record and would unlock `amount` never locked for it; the shipped rule unlocks nothing."""
    v = _values(cx)
    other, free, amount = v["otherPositionsLocked"], v["freeBalance"], v["amount"]
    sats = -(-v["equity18"] // _WBTC_VALUE18_PER_SAT) + 1
    body = f"""
bytes32 other = _posKey(ALICE, 1);
bytes32 pos = _posKey(ALICE, 2);
_deposit(ALICE, address(usdc), {other + free});
if ({other} > 0) {{
    vault.allocateForPosition(ALICE, other, MARKET, {other}, IBalanceManagerVault.MarginMode.ISOLATED);
}}
_deposit(ALICE, address(wbtc), {sats}); // basket equity >= {v["equity18"]} USD18
vm.assertGe(uint256(qre.equity18(ALICE)), {v["equity18"]}, "basket equity of the counterexample");
vm.assertEq(_free(ALICE, address(usdc)), {free}, "free USDC of the counterexample");
vault.allocateForPosition(ALICE, pos, MARKET, {amount}, IBalanceManagerVault.MarginMode.CROSS);
IBalanceManagerVault.PositionAllocation memory a = vault.getPositionAllocation(pos);
vm.assertEq(uint256(a.usdcLocked), {v["usdcLocked"]}, "usdcLocked written by the shipped vault");
vm.assertEq(uint256(a.lockVersion), {v["lockVersion"]}, "lockVersion written by the shipped vault");
uint256 lockedForPosition = _lockedUsdc(ALICE) - {other};
uint256 seedUnlock = SeedLockRule.effectiveLocked(a.amount, a.usdcLocked);
vm.assertEq(seedUnlock, {v["seedEffectiveLocked"]}, "the seed's rule reads the model's lock");
vm.assertGt(seedUnlock, lockedForPosition, "VIOLATION: the seed's rule unlocks USDC never locked for it");
vm.assertLe(seedUnlock, _lockedUsdc(ALICE), "and the custodian would let it (the bucket holds other locks)");
vault.releaseFromPosition(ALICE, pos, {v["pnl"]});
vm.assertEq(_lockedUsdc(ALICE), {other}, "the shipped rule keeps the other positions' locks");
"""
    return ReplayTest(
        base="VaultproofDeploy",
        imports=(DEPLOY, VAULT_TYPES, ("SeedLockRule", "tests/fixtures/contracts/SeedLockRule.sol")),
        body=body,
        target="SeedLockRule.effectiveLocked (fixture) on a record written by the deployed "
        "BalanceManagerVault",
    )


def debt1_v1_silent_drop(cx: Counterexample) -> ReplayTest:
    """V1 closes a CROSS position whose loss exceeds its lock by `deficit` with `userFreeUsdc` free: it takes
    the free USDC and nothing records the rest."""
    v = _values(cx)
    margin = 100_000_000
    deficit, free = v["deficit"], v["userFreeUsdc"]
    used = min(deficit, free)
    body = (
        _v1_proxy("address(insurance)")
        + f"""
_deposit(ALICE, address(usdc), {margin + free});
v1.allocateForPosition(ALICE, _posKey(ALICE, 1), MARKET, {margin}, BalanceManagerVaultV1.MarginMode.CROSS);
uint256 insuranceBefore = _insuranceBalance();
vm.recordLogs();
v1.releaseFromPosition(ALICE, _posKey(ALICE, 1), -int256(uint256({margin + deficit})));
Vm.Log[] memory logs = vm.getRecordedLogs();
uint256 vaultEvents;
for (uint256 i; i < logs.length; ++i) if (logs[i].emitter == address(v1)) vaultEvents += 1;
uint256 collected = _insuranceBalance() - insuranceBefore;
vm.assertEq(collected, {margin + used}, "V1 collects the lock and the free USDC only");
vm.assertEq(_free(ALICE, address(usdc)), {free - used}, "free USDC after");
vm.assertEq({margin + deficit} - collected, {v["silentlyDropped"]}, "VIOLATION: the residual is dropped");
vm.assertEq(insurance.paidInBlock(), 0, "insurance never asked");
vm.assertEq(adl.calls(), 0, "ADL never asked");
vm.assertEq(vaultEvents, 1, "only CollateralReleased: no event records the residual");
"""
    )
    return ReplayTest(
        base="VaultproofDeploy",
        imports=(DEPLOY, V1, PROXY, ("Vm", "tests/forge/utils/Vm.sol")),
        body=body,
        target="legacy/BalanceManagerVaultV1 behind an ERC1967 proxy",
    )


def rel2_unpaid_profit_dropped(cx: Counterexample) -> ReplayTest:
    """The pre-fix rule pays a profit as far as the paying account can and records nothing else. The one
    compiled vault with that rule is V1 (the shipped vault records the rest as unpaidProfit); its paying
    account is given `insuranceCanPay`."""
    v = _values(cx)
    amount, pnl, can_pay = v["amount"], v["pnl"], v["insuranceCanPay"]
    payer = "address(0x1D5)"
    body = (
        _v1_proxy(payer)
        + f"""
if ({can_pay} > 0) _deposit({payer}, address(usdc), {can_pay});
_deposit(ALICE, address(usdc), {amount});
v1.allocateForPosition(ALICE, _posKey(ALICE, 1), MARKET, {amount}, BalanceManagerVaultV1.MarginMode.CROSS);
uint256 freeBefore = _free(ALICE, address(usdc));
v1.releaseFromPosition(ALICE, _posKey(ALICE, 1), int256(uint256({pnl})));
uint256 userChange = _free(ALICE, address(usdc)) - freeBefore - {amount}; // less the unlocked margin
vm.assertEq(userChange, {v["userChange"]}, "what the user was paid");
vm.assertTrue(userChange < {pnl}, "VIOLATION: the realised profit shrinks and no claim is recorded");
"""
    )
    return ReplayTest(
        base="VaultproofDeploy",
        imports=(DEPLOY, V1, PROXY),
        body=body,
        target="legacy/BalanceManagerVaultV1 (the compiled vault without the unpaid-profit record)",
    )


def _case3(cx: Counterexample, claim: str) -> ReplayTest:
    v = _values(cx)
    body = f"""
_openCarlShortDaveLong();
le.setMaxNotionalLiquidated({v["maxNotionalLiquidated"]});
le.setLiquidationFeePpm({v["liquidationFeePpm"]});
le.setMaxLiquidationFeePpm({v["liquidationFeePpm"]});
ILiquidationEngine.Result memory r = _liquidate(perp, dave, carl, false, {v["fillPrice"]});
vm.assertEq(r.notional, {v["liquidatedNotional"]}, "liquidated notional");
vm.assertEq(r.size, {v["liquidatedSize"]}, "liquidated size");
vm.assertEq(r.quoteValue, {v["fillQuoteValue"]}, "fill value");
vm.assertEq(r.fee, {v["fee"]}, "fee");
vm.assertEq(_quoteBalance(perp, carl), int256({v["Carl.balanceAfter"]}), "Carl's quote balance after");
{claim}
"""
    return ReplayTest(
        base="BlockLimitsTest",
        imports=(BLOCK_LIMITS, LIQ_TYPES),
        body=body,
        target="LiquidationEngine + PerpEngine over the deployed system (tests/forge/liquidation fixture)",
    )


def liq5_case3_fill(cx: Counterexample) -> ReplayTest:
    v = _values(cx)
    claim = (
        f'vm.assertTrue(r.quoteValue != {v["document.fillCost"]}, "VIOLATION: the fill does not cost the '
        f"document's amount\");\n"
        f'vm.assertTrue(_quoteBalance(perp, carl) != int256({v["document.Carl.balanceAfter"]}), "VIOLATION: '
        f"Carl does not end at the document's balance\");"
    )
    return _case3(cx, claim)


def liq5_case3_fee(cx: Counterexample) -> ReplayTest:
    v = _values(cx)
    claim = f'vm.assertTrue(r.fee != {v["document.fee"]}, "VIOLATION: the fee is not the document\'s");'
    return _case3(cx, claim)


def liq5_case2_sign(cx: Counterexample) -> ReplayTest:
    """Case 2 as written (Dave +49,501): his equity exceeds his notional; the engine refuses to liquidate."""
    v = _values(cx)
    notional = v["Dave.positionSize"] * v["oraclePrice"] // 10**8
    body = f"""
_setPrice({v["oraclePrice"] // 10**6});
_fund(dave, {v["Dave.balance"] + notional}); // quote = deposit - notional = {v["Dave.balance"]}
_fund(carl, {v["Carl.balance"] - notional});
_open(perp, dave, true, {v["Dave.positionSize"]}, 2);
_open(perp, carl, false, {v["Carl.positionSize"]}, 2);
_case2Params();
vm.assertEq(_quoteBalance(perp, dave), int256({v["Dave.balance"]}), "Dave's listed quote balance");
le.syncRisk(dave);
vm.assertEq(qre.equity18(dave), int256({v["Dave.equityBefore"]}) * 1e12, "Dave's equity");
vm.assertGe(uint256(qre.equity18(dave)), {notional} * 1e12, "VIOLATION: equity above the whole notional");
vm.prank(carl);
vm.expectRevert(abi.encodeWithSelector(ILiquidationEngine.NotLiquidatable.selector, dave));
le.liquidate(address(perp), dave, MARKET, true);
"""
    return ReplayTest(
        base="BlockLimitsTest",
        imports=(BLOCK_LIMITS, LIQ_TYPES),
        body=body,
        target="LiquidationEngine + PerpEngine over the deployed system (tests/forge/liquidation fixture)",
    )


RECIPES: Mapping[str, Recipe] = {
    "BF-2.seed-rule": bf2_seed_rule,
    "DEBT-1.v1-silent-drop": debt1_v1_silent_drop,
    "REL-2.unpaid-profit-dropped": rel2_unpaid_profit_dropped,
    "LIQ-5.seed-case3-fill": liq5_case3_fill,
    "LIQ-5.seed-case3-fee": liq5_case3_fee,
    "LIQ-5.seed-case2-sign": liq5_case2_sign,
}

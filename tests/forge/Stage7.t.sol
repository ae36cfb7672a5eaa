// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofDeploy} from "./utils/Deploy.sol";
import {IBalanceManagerVault} from "../../contracts/interfaces/IBalanceManagerVault.sol";
import {IQuantumRiskEngine} from "../../contracts/interfaces/IQuantumRiskEngine.sol";

/// @notice Seed 001 (Stage 7, multi-asset position-open backing): its eight test scenarios with its numbers.
/// @dev The "$250 USDC + $170 WBTC basket = $419 equity" account: 0.002 WBTC at $85,000 = $170 market value,
/// maintenance weight 99.5% ($169.15), size-scaled above $168.85 at 50% → $169.00; plus $250 USDC → $419.
contract Stage7Test is VaultproofDeploy {
    uint256 internal constant BASKET_SATS = 200_000; // 0.002 WBTC

    bytes32 internal posA;

    function _afterDeploy() internal override {
        qre.setCollateral(address(wbtc), _cfg(8, 9_000, 9_950, 9_500, SYM_WBTC, 168.85e18));
        posA = _posKey(ALICE, 1);
    }

    function _mixedAccount() internal {
        _deposit(ALICE, address(usdc), 250e6);
        _deposit(ALICE, address(wbtc), BASKET_SATS);
    }

    function _basketOnlyAccount() internal {
        _deposit(ALICE, address(wbtc), BASKET_SATS);
    }

    // 1 ---------------------------------------------------------------------------------------------------
    /// CROSS open with USDC only (regression): $500 USDC, $3000 at 10x → IM $300 locked in full.
    function test_Scenario1_CrossUsdcOnlyLocksFullIm() public {
        _deposit(ALICE, address(usdc), 500e6);
        vault.allocateForPosition(ALICE, posA, MARKET, 300e6, IBalanceManagerVault.MarginMode.CROSS);

        IBalanceManagerVault.PositionAllocation memory a = _alloc(posA);
        vm.assertEq(uint256(a.amount), 300e6, "amount");
        vm.assertEq(uint256(a.usdcLocked), 300e6, "usdcLocked");
        vm.assertEq(uint256(a.lockVersion), 1, "lockVersion");
        vm.assertEq(_lockedUsdc(ALICE), 300e6, "locked in BalanceManager");
        vm.assertEq(_free(ALICE, address(usdc)), 200e6, "free USDC left");
        vm.assertEq(uint256(vault.getUserAccount(ALICE).crossMarginAllocated), 300e6, "cross allocated");
        vm.assertEq(uint256(vault.getUserAccount(ALICE).totalAllocated), 300e6, "total allocated");
    }

    // 2 ---------------------------------------------------------------------------------------------------
    /// CROSS open with mixed backing: $419 equity, $3500 at 10x → IM $350; locks the $250 USDC, $100 virtual.
    function test_Scenario2_CrossMixedBackingLocksAvailableUsdc() public {
        _mixedAccount();
        vm.assertEq(qre.equity18(ALICE), int256(419e18), "seed equity $419");
        vault.allocateForPosition(ALICE, posA, MARKET, 350e6, IBalanceManagerVault.MarginMode.CROSS);

        IBalanceManagerVault.PositionAllocation memory a = _alloc(posA);
        vm.assertEq(uint256(a.amount), 350e6, "allocation.amount = 350");
        vm.assertEq(uint256(a.usdcLocked), 250e6, "allocation.usdcLocked = 250");
        vm.assertEq(vault.effectiveLocked(posA), 250e6, "effective lock");
        vm.assertEq(_lockedUsdc(ALICE), 250e6, "BalanceManager lock");
        vm.assertEq(_free(ALICE, address(usdc)), 0, "no free USDC left");
        vm.assertEq(_free(ALICE, address(wbtc)), BASKET_SATS, "basket untouched");
        vm.assertEq(qre.equity18(ALICE), int256(419e18), "locking does not change equity");
    }

    // 3 ---------------------------------------------------------------------------------------------------
    /// CROSS open exceeding equity: $5000 at 10x → IM $500 > $419 → InsufficientEquity(500e18, 419e18).
    function test_Scenario3_CrossExceedingEquityReverts() public {
        _mixedAccount();
        vm.expectRevert(
            abi.encodeWithSelector(IBalanceManagerVault.InsufficientEquity.selector, uint256(500e18), int256(419e18))
        );
        vault.allocateForPosition(ALICE, posA, MARKET, 500e6, IBalanceManagerVault.MarginMode.CROSS);
    }

    /// The maintenance margin of existing positions counts: equity must cover mm18 + the new IM.
    function test_Scenario3b_ExistingMaintenanceMarginCounts() public {
        _mixedAccount();
        qre.reportMargins(ALICE, 100e18, 70e18); // 70 + 350 = 420 > 419
        vm.expectRevert(
            abi.encodeWithSelector(IBalanceManagerVault.InsufficientEquity.selector, uint256(420e18), int256(419e18))
        );
        vault.allocateForPosition(ALICE, posA, MARKET, 350e6, IBalanceManagerVault.MarginMode.CROSS);
        qre.reportMargins(ALICE, 100e18, 69e18); // 69 + 350 = 419: exactly enough
        vault.allocateForPosition(ALICE, posA, MARKET, 350e6, IBalanceManagerVault.MarginMode.CROSS);
        vm.assertEq(uint256(_alloc(posA).usdcLocked), 250e6, "opened at the boundary");
    }

    // 4 ---------------------------------------------------------------------------------------------------
    /// ISOLATED open requires USDC: $300 IM with $250 USDC + basket → InsufficientBalance(300, 250).
    function test_Scenario4_IsolatedRequiresUsdc() public {
        _mixedAccount();
        vm.expectRevert(abi.encodeWithSelector(IBalanceManagerVault.InsufficientBalance.selector, 300e6, 250e6));
        vault.allocateForPosition(ALICE, posA, MARKET, 300e6, IBalanceManagerVault.MarginMode.ISOLATED);
        // and never consults the risk engine: with no QRE at all an affordable ISOLATED open still works
        vault.setQuantumRiskEngine(address(0));
        vault.allocateForPosition(ALICE, posA, MARKET, 200e6, IBalanceManagerVault.MarginMode.ISOLATED);
        vm.assertEq(uint256(_alloc(posA).usdcLocked), 200e6, "isolated locks in full");
    }

    /// CROSS with virtual backing but no risk engine falls back to the legacy USDC check.
    function test_Scenario4b_CrossWithoutQreRevertsInsufficientBalance() public {
        _mixedAccount();
        vault.setQuantumRiskEngine(address(0));
        vm.expectRevert(abi.encodeWithSelector(IBalanceManagerVault.InsufficientBalance.selector, 350e6, 250e6));
        vault.allocateForPosition(ALICE, posA, MARKET, 350e6, IBalanceManagerVault.MarginMode.CROSS);
    }

    // 5 ---------------------------------------------------------------------------------------------------
    /// Profitable close of a fully virtual-backed position: lock 0, PnL +$100 → $100 from insurance.
    function test_Scenario5_ProfitableCloseVirtualBacked() public {
        _basketOnlyAccount();
        vault.allocateForPosition(ALICE, posA, MARKET, 100e6, IBalanceManagerVault.MarginMode.CROSS);
        vm.assertEq(uint256(_alloc(posA).usdcLocked), 0, "fully virtual");
        uint256 insBefore = _insuranceBalance();

        vault.releaseFromPosition(ALICE, posA, int256(100e6));

        vm.assertEq(_free(ALICE, address(usdc)), 100e6, "credited $100");
        vm.assertEq(insBefore - _insuranceBalance(), 100e6, "paid by insurance");
        vm.assertEq(_lockedUsdc(ALICE), 0, "nothing unlocked that was never locked");
        vm.assertFalse(_alloc(posA).exists, "allocation deleted");
        vm.assertEq(uint256(vault.getUserAccount(ALICE).totalAllocated), 0, "account cleared");
        _assertSolvent(address(usdc));
    }

    // 6 ---------------------------------------------------------------------------------------------------
    /// Loss close of a virtual-backed position: lock 0, PnL −$50 → the whole loss is a cross-account deficit,
    /// taken from free USDC first (REL-3); the basket is not touched while USDC covers it.
    function test_Scenario6_LossCloseVirtualBacked() public {
        _basketOnlyAccount();
        vault.allocateForPosition(ALICE, posA, MARKET, 100e6, IBalanceManagerVault.MarginMode.CROSS);
        _deposit(ALICE, address(usdc), 80e6); // USDC arriving after the open
        uint256 insBefore = _insuranceBalance();

        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.DeficitSettled(ALICE, 50e6, 50e6, 0, 0, 0, 0);
        vault.releaseFromPosition(ALICE, posA, -int256(50e6));

        vm.assertEq(_free(ALICE, address(usdc)), 30e6, "$50 debited from free USDC");
        vm.assertEq(_insuranceBalance() - insBefore, 50e6, "loss reached insurance");
        vm.assertEq(_free(ALICE, address(wbtc)), BASKET_SATS, "basket untouched");
        vm.assertEq(_lockedUsdc(ALICE), 0, "no lock to release");
    }

    /// Same close with no USDC at all and conversion off: insurance covers the $50 (nothing dropped).
    function test_Scenario6b_LossCloseVirtualBackedNoUsdc() public {
        _basketOnlyAccount();
        vault.allocateForPosition(ALICE, posA, MARKET, 100e6, IBalanceManagerVault.MarginMode.CROSS);
        vault.setPoolManager(address(0));
        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.DeficitSettled(ALICE, 50e6, 0, 0, 50e6, 0, 0);
        vault.releaseFromPosition(ALICE, posA, -int256(50e6));
        vm.assertEq(_free(ALICE, address(wbtc)), BASKET_SATS, "conversion off: basket untouched");
    }

    // 7 ---------------------------------------------------------------------------------------------------
    /// Partial-loss close of a partially-backed position: locked $250, loss $300 → unlock $0, $250 forfeited,
    /// $50 deficit through the waterfall (empty book here, so insurance covers it).
    function test_Scenario7_PartialLossClosePartiallyBacked() public {
        _mixedAccount();
        vault.allocateForPosition(ALICE, posA, MARKET, 350e6, IBalanceManagerVault.MarginMode.CROSS);
        uint256 insBefore = _insuranceBalance();

        vm.expectEmit(true, true, false, true, address(vault));
        emit IBalanceManagerVault.CollateralReleased(ALICE, posA, -int256(300e6), 0);
        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.DeficitSettled(ALICE, 50e6, 0, 0, 50e6, 0, 0);
        vault.releaseFromPosition(ALICE, posA, -int256(300e6));

        vm.assertEq(_lockedUsdc(ALICE), 0, "all $250 forfeited");
        vm.assertEq(_free(ALICE, address(usdc)), 0, "nothing unlocked");
        // forfeit +250; the $50 cover is a double entry (paid out, settled back), so insurance nets +250
        vm.assertEq(_insuranceBalance() - insBefore, 250e6, "insurance nets the forfeit");
        vm.assertEq(insurance.paidInBlock(), 50e6, "insurance absorbed the $50 deficit against its cap");
        vm.assertEq(_free(ALICE, address(wbtc)), BASKET_SATS, "empty book: nothing sold");
        _assertSolvent(address(usdc));
    }

    // 8 ---------------------------------------------------------------------------------------------------
    /// Liquidation of a virtual-backed position triggers Stage 5: the basket-only account becomes liquidatable
    /// (equity < MM), the liquidation close realises −$120, and the deficit is covered by selling WBTC on the
    /// spot book at ≥ oracle × 95%; the surplus of the sale stays with the user.
    function test_Scenario8_LiquidationOfVirtualBackedTriggersStage5() public {
        _basketOnlyAccount();
        vault.allocateForPosition(ALICE, posA, MARKET, 100e6, IBalanceManagerVault.MarginMode.CROSS);
        _bid(MAKER, wbtcBook, 84_000e6, 1e6); // 0.01 WBTC bid at $84,000 (floor is $80,750)

        qre.reportMargins(ALICE, 100e18, 95e18);
        vm.assertFalse(vault.canLiquidateCrossMargin(ALICE), "healthy at open");
        qre.reportPnl(ALICE, -80e18, 0); // equity 169 − 80 = 89 < 95
        vm.assertTrue(vault.canLiquidateCrossMargin(ALICE), "liquidatable: equity < MM");

        uint256 insBefore = _insuranceBalance();
        // qty covering $120 at the $80,750 floor, rounded up: ceil(120e6 · 1e8 / 80_750e6) = 148_607 sats
        uint256 qty = 148_607;
        uint256 received = qty * 84_000e6 / 1e8; // filled at the $84,000 bid
        vm.expectEmit(true, true, false, true, address(vault));
        emit IBalanceManagerVault.CollateralSold(ALICE, address(wbtc), qty, received, 120e6);
        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.DeficitSettled(ALICE, 120e6, 0, 120e6, 0, 0, 0);
        vault.releaseFromPosition(ALICE, posA, -int256(120e6));

        vm.assertEq(_insuranceBalance() - insBefore, 120e6, "deficit paid from the sale");
        vm.assertEq(_free(ALICE, address(wbtc)), BASKET_SATS - qty, "only what was needed was sold");
        vm.assertEq(_free(ALICE, address(usdc)), received - 120e6, "surplus stays with the user");
        vm.assertGe(received, qty * 80_750e6 / 1e8, "sold at or above the floor");
        vm.assertEq(_free(MAKER, address(wbtc)), qty, "maker received the base");
        _assertSolvent(address(usdc));
        _assertSolvent(address(wbtc));
    }

    // ---------------------------------------------------------------------------------------------------
    /// ALLOC-5: amounts beyond uint96 are rejected before any downcast.
    function test_AmountTooLargeRevertsBeforeCast() public {
        uint256 huge = uint256(type(uint96).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(IBalanceManagerVault.AmountTooLarge.selector, huge));
        vault.allocateForPosition(ALICE, posA, MARKET, huge, IBalanceManagerVault.MarginMode.CROSS);
    }

    /// Only authorized settlement routers reach the callbacks.
    function test_OnlySettlementRouter() public {
        _deposit(ALICE, address(usdc), 500e6);
        vm.prank(BOB);
        vm.expectRevert(abi.encodeWithSelector(IBalanceManagerVault.NotSettlementRouter.selector, BOB));
        vault.allocateForPosition(ALICE, posA, MARKET, 300e6, IBalanceManagerVault.MarginMode.CROSS);
    }

    /// REL-4 / ALLOC-6: a partial release unlocks at most its fraction (rounded down) and keeps
    /// usdcLocked ≤ amount and Σ effective locks = the BalanceManager lock.
    function test_PartialReleaseRoundsInProtocolFavour() public {
        _mixedAccount();
        vault.allocateForPosition(ALICE, posA, MARKET, 350e6, IBalanceManagerVault.MarginMode.CROSS);
        vault.partialReleaseFromPosition(ALICE, posA, 333_333, 0); // one third
        // ⌊250e6 · 333333 / 1e6⌋ = 83_333_250 unlocked
        vm.assertEq(_free(ALICE, address(usdc)), 83_333_250, "fraction of the lock, rounded down");
        IBalanceManagerVault.PositionAllocation memory a = _alloc(posA);
        vm.assertEq(uint256(a.usdcLocked), 250e6 - 83_333_250, "rest stays locked");
        vm.assertEq(uint256(a.amount), 350e6 - 116_666_550, "claimed IM reduced by its fraction");
        vm.assertLe(uint256(a.usdcLocked), uint256(a.amount), "usdcLocked <= amount");
        vm.assertEq(_lockedUsdc(ALICE), vault.effectiveLocked(posA), "BM lock = effective lock");
        vm.assertEq(uint256(vault.getUserAccount(ALICE).totalAllocated), uint256(a.amount), "bookkeeping");
    }

    /// ISOLATED deficit never touches the user's other assets; it goes to insurance, then ADL.
    function test_IsolatedDeficitSkipsUserAssets() public {
        _deposit(ALICE, address(usdc), 300e6);
        _deposit(ALICE, address(wbtc), BASKET_SATS);
        vault.allocateForPosition(ALICE, posA, MARKET, 200e6, IBalanceManagerVault.MarginMode.ISOLATED);
        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.DeficitSettled(ALICE, 40e6, 0, 0, 40e6, 0, 0);
        vault.releaseFromPosition(ALICE, posA, -int256(240e6));
        vm.assertEq(_free(ALICE, address(usdc)), 100e6, "free USDC untouched");
        vm.assertEq(_free(ALICE, address(wbtc)), BASKET_SATS, "basket untouched");
    }

    /// Deallocation (cancel path) returns exactly the effective lock and nothing else.
    function test_DeallocateReturnsEffectiveLock() public {
        _mixedAccount();
        vault.allocateForPosition(ALICE, posA, MARKET, 350e6, IBalanceManagerVault.MarginMode.CROSS);
        vault.deallocateFromPosition(ALICE, posA);
        vm.assertEq(_free(ALICE, address(usdc)), 250e6, "the $250 actually locked comes back");
        vm.assertEq(_lockedUsdc(ALICE), 0, "no lock left");
        vm.assertFalse(_alloc(posA).exists, "deleted");
    }

    /// QRE withdraw gate through the BalanceManager (QRE-5).
    function test_WithdrawGateKeepsInitialMargin() public {
        _mixedAccount();
        bm.setWithdrawGuard(address(qre));
        qre.reportMargins(ALICE, 300e18, 200e18);
        // initial-weighted basket: 0.002 · 85,000 · 90% = $153 (below the size-scaling threshold) + $250 = $403
        vm.assertEq(qre.initialEquity18(ALICE), int256(403e18), "initial equity");
        vm.prank(ALICE);
        vm.expectRevert();
        bm.withdraw(address(usdc), 150e6); // would leave $253 < $300
        vm.prank(ALICE);
        bm.withdraw(address(usdc), 100e6); // leaves exactly $303
        vm.assertEq(usdc.balanceOf(ALICE), 100e6, "withdrawn");
    }

    /// QRE-2: with only USDC, the risk engine equals the legacy 1:1 valuation.
    function test_QreUsdcOnlyIsLegacyOneToOne() public {
        _deposit(ALICE, address(usdc), 123_456_789);
        vm.assertEq(qre.equity18(ALICE), int256(123_456_789 * 1e12), "1:1");
        vm.assertEq(qre.initialEquity18(ALICE), int256(123_456_789 * 1e12), "1:1 initial");
    }

    /// CONV-7 / QRE: a stale price excludes the asset from equity instead of reverting.
    function test_QreStalePriceExcludesAsset() public {
        _mixedAccount();
        vm.warp(block.timestamp + MAX_STALENESS + 1);
        vm.assertEq(qre.equity18(ALICE), int256(250e18), "stale WBTC counts 0");
    }

    /// QRE-1: the weight ordering is enforced by the setter.
    function test_QreRejectsInitialWeightAboveMaintenance() public {
        IQuantumRiskEngine.CollateralConfig memory bad = _cfg(8, 9_600, 9_500, 9_500, SYM_WBTC, 1e30);
        vm.expectRevert();
        qre.setCollateral(address(wbtc), bad);
        bad = _cfg(8, 9_000, 10_001, 9_500, SYM_WBTC, 1e30);
        vm.expectRevert();
        qre.setCollateral(address(wbtc), bad);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofDeploy} from "./utils/Deploy.sol";
import {Vm} from "./utils/Vm.sol";
import {IQuantumRiskEngine} from "../../contracts/interfaces/IQuantumRiskEngine.sol";
import {OrderBook} from "../../contracts/OrderBook.sol";
import {BalanceManagerVault} from "../../contracts/BalanceManagerVault.sol";
import {IBalanceManagerVault} from "../../contracts/interfaces/IBalanceManagerVault.sol";
import {IBalanceManager} from "../../contracts/interfaces/IBalanceManager.sol";
import {IOrderBook} from "../../contracts/interfaces/IOrderBook.sol";
import {CollateralMath} from "../../contracts/libraries/CollateralMath.sol";
import {ReenteringMakerHook, RevertingMakerHook} from "../../contracts/mocks/HostileMakers.sol";
import {RevertingOrderBook, LyingOrderBook} from "../../contracts/mocks/HostileBooks.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @notice Seed 000 (Stage 5, collateral auto-convert on liquidation): its test list, on the real OrderBook.
/// @dev Alice holds a CROSS position with $100 USDC locked, 0.01 WBTC and 1 WETH free. A liquidation close at
/// −$600 forfeits the $100 and leaves a $500 cross-account deficit for the waterfall:
/// free USDC → collateral sales (floor: WBTC $80,750, WETH $2,700) → insurance → ADL → recorded shortfall.
contract Stage5Test is VaultproofDeploy {
    uint256 internal constant ALICE_WBTC = 1e6; // 0.01 WBTC
    uint256 internal constant ALICE_WETH = 1e18; // 1 WETH
    uint256 internal constant WBTC_FLOOR = 80_750e6; // 85,000 × 95%
    uint256 internal constant WETH_FLOOR = 2_700e6; // 3,000 × 90%
    address internal constant MAKER2 = address(0x3A4E6);

    bytes32 internal posA;

    function _afterDeploy() internal override {
        posA = _posKey(ALICE, 1);
        _deposit(ALICE, address(usdc), 100e6);
        _deposit(ALICE, address(wbtc), ALICE_WBTC);
        _deposit(ALICE, address(weth), ALICE_WETH);
        vault.allocateForPosition(ALICE, posA, MARKET, 100e6, IBalanceManagerVault.MarginMode.CROSS);
    }

    /// Liquidation close at −$600 → $500 deficit.
    function _liquidate() internal {
        vault.releaseFromPosition(ALICE, posA, -int256(600e6));
    }

    function _qtyAtFloor(uint256 deficit, uint256 floorPrice, uint256 unit) internal pure returns (uint256) {
        return (deficit * unit + floorPrice - 1) / floorPrice;
    }

    // ------------------------------------------------------------------------------------------- full sale

    function test_FullSaleCoversDeficit() public {
        _bid(MAKER, wbtcBook, 84_000e6, ALICE_WBTC);
        uint256 qty = _qtyAtFloor(500e6, WBTC_FLOOR, 1e8); // 619_196 sats
        uint256 received = qty * 84_000e6 / 1e8;
        uint256 insBefore = _insuranceBalance();

        vm.expectEmit(true, true, false, true, address(vault));
        emit IBalanceManagerVault.CollateralSold(ALICE, address(wbtc), qty, received, 500e6);
        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.DeficitSettled(ALICE, 500e6, 0, 500e6, 0, 0, 0);
        _liquidate();

        vm.assertEq(_insuranceBalance() - insBefore, 600e6, "forfeit 100 + proceeds 500");
        vm.assertEq(_free(ALICE, address(usdc)), received - 500e6, "surplus stays with the user (CONV-3)");
        vm.assertEq(_free(ALICE, address(wbtc)), ALICE_WBTC - qty, "sold only what covers the deficit");
        vm.assertEq(_free(ALICE, address(weth)), ALICE_WETH, "loop stops once covered");
        vm.assertEq(insurance.paidInBlock(), 0, "insurance paid nothing");
        vm.assertEq(adl.calls(), 0, "ADL not reached");
        _assertSolvent(address(usdc));
        _assertSolvent(address(wbtc));
    }

    /// DEBT-2: the user's free USDC is used before any collateral is sold.
    function test_FreeUsdcBeforeCollateral() public {
        _deposit(ALICE, address(usdc), 50e6);
        _bid(MAKER, wbtcBook, 84_000e6, ALICE_WBTC);
        uint256 qty = _qtyAtFloor(450e6, WBTC_FLOOR, 1e8);
        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.DeficitSettled(ALICE, 500e6, 50e6, 450e6, 0, 0, 0);
        _liquidate();
        vm.assertEq(_free(ALICE, address(wbtc)), ALICE_WBTC - qty, "sized on the deficit after free USDC");
    }

    // ------------------------------------------------------------------------------------------ partial fill

    /// The WBTC book holds only 0.002 WBTC above the floor: it is sold ($168), the WETH book is empty, and the
    /// residual goes to insurance (capped at $200 this block), then ADL ($100 capacity), then recorded.
    function test_PartialFillResidualToInsuranceThenAdl() public {
        _bid(MAKER, wbtcBook, 84_000e6, 200_000);
        insurance.setMaxQuantumsInsuranceLost(200e6);
        adl.setCapacity(100e6);
        positionIsLong = false;

        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.DeficitSettled(ALICE, 500e6, 0, 168e6, 200e6, 100e6, 32e6);
        _liquidate();

        vm.assertEq(_free(ALICE, address(wbtc)), ALICE_WBTC - 200_000, "sold all that the book held");
        vm.assertEq(adl.lastShortfall(), 132e6, "ADL asked for what insurance could not pay");
        vm.assertEq(adl.lastMarket(), MARKET, "market passed to ADL");
        vm.assertFalse(adl.lastIsLong(), "side from the router");
        vm.assertEq(adl.totalRecordedShortfall(), 32e6, "shortfall recorded, not dropped (DEBT-1)");
        vm.assertEq(wbtcBook.bestBid(), 0, "book consumed");
    }

    // ------------------------------------------------------------------------------------- thin / empty book

    /// Bids exist only below the floor: nothing is dumped into them; insurance covers the deficit.
    function test_ThinBookNoDumpBelowFloor() public {
        uint256 id = _bid(MAKER, wbtcBook, 70_000e6, 1e8); // 1 WBTC at $70,000 < $80,750
        _bid(MAKER, wethBook, 2_500e6, 10e18); // 10 WETH at $2,500 < $2,700

        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.DeficitSettled(ALICE, 500e6, 0, 0, 500e6, 0, 0);
        _liquidate();

        vm.assertEq(_free(ALICE, address(wbtc)), ALICE_WBTC, "no WBTC dumped");
        vm.assertEq(_free(ALICE, address(weth)), ALICE_WETH, "no WETH dumped");
        (,,, uint128 remainingBase,) = wbtcBook.orders(id);
        vm.assertEq(uint256(remainingBase), 1e8, "below-floor bid untouched");
    }

    /// Empty books and an exhausted insurance block cap: everything goes to ADL, the rest is recorded.
    function test_EmptyBookResidualSocialized() public {
        insurance.setMaxQuantumsInsuranceLost(0);
        adl.setCapacity(300e6);

        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.DeficitSettled(ALICE, 500e6, 0, 0, 0, 300e6, 200e6);
        _liquidate();

        vm.assertEq(adl.calls(), 1, "ADL called once");
        vm.assertTrue(adl.lastIsLong(), "side from the router");
        vm.assertEq(adl.totalRecordedShortfall(), 200e6, "explicit shortfall");
        vm.assertEq(_free(ALICE, address(wbtc)), ALICE_WBTC, "nothing sold");
    }

    // --------------------------------------------------------------------------------------- price floors

    /// WBTC (8 dp): only the level above the floor is hit; realised proceeds clear oracle × 95%.
    function test_FloorRespectedWbtc8dp() public {
        _bid(MAKER, wbtcBook, 82_000e6, 100_000); // 0.001 WBTC above the floor
        uint256 below = _bid(MAKER2, wbtcBook, 80_749e6, 1e8); // one dollar under the floor
        insurance.setMaxQuantumsInsuranceLost(type(uint256).max);
        _liquidate();

        uint256 received = 100_000 * 82_000e6 / 1e8; // $82
        vm.assertEq(_free(ALICE, address(wbtc)), ALICE_WBTC - 100_000, "only the above-floor level");
        vm.assertGe(
            received, CollateralMath.minProceeds(100_000, 8, WBTC_PRICE, 8, 6, 9_500), "realised >= floor (CONV-1)"
        );
        (,,, uint128 remainingBase,) = wbtcBook.orders(below);
        vm.assertEq(uint256(remainingBase), 1e8, "level under the floor untouched");
        vm.assertEq(wbtcBook.bestBid(), 80_749e6, "only the sub-floor level is left");
    }

    /// WETH (18 dp): same with an 18-decimal base against 6-decimal USDC.
    function test_FloorRespectedWeth18dp() public {
        _bid(MAKER, wethBook, 2_800e6, 0.05e18);
        uint256 below = _bid(MAKER2, wethBook, 2_699e6, 10e18);
        _liquidate();

        uint256 received = 0.05e18 * uint256(2_800e6) / 1e18; // $140
        vm.assertEq(_free(ALICE, address(weth)), ALICE_WETH - 0.05e18, "only the above-floor level");
        vm.assertEq(_free(MAKER, address(weth)), 0.05e18, "maker got the WETH");
        vm.assertGe(
            received, CollateralMath.minProceeds(0.05e18, 18, WETH_PRICE, 8, 6, 9_000), "realised >= floor (CONV-1)"
        );
        (,,, uint128 remainingBase,) = wethBook.orders(below);
        vm.assertEq(uint256(remainingBase), 10e18, "level under the floor untouched");
        _assertSolvent(address(weth));
    }

    /// A book that promises an above-floor fill but pays half (and reports the promise as its return value):
    /// proceeds are measured by balance delta, the realised floor is missed, and the sale is undone (CONV-5).
    function test_RealisedFloorMissUndoesSale() public {
        address lying = address(wethBook);
        vm.etch(lying, address(new LyingOrderBook()).code);
        address treasury = address(0x7EA5);
        _deposit(treasury, address(usdc), 10_000e6);
        LyingOrderBook(lying)
            .configure(IBalanceManager(address(bm)), address(weth), address(usdc), treasury, 2_900e6, 1e18, 5_000);

        vm.recordLogs();
        _liquidate();

        vm.assertEq(_free(ALICE, address(weth)), ALICE_WETH, "sale undone: WETH back");
        vm.assertEq(_free(treasury, address(usdc)), 10_000e6, "sale undone: no USDC moved");
        bytes memory reason = _saleFailureReason(address(weth));
        vm.assertEq(bytes4(reason), BalanceManagerVault.FloorNotMet.selector, "failed on the realised floor");
    }

    // -------------------------------------------------------------------------------------- re-entrancy

    /// A maker hook (itself a registered settlement router, the worst case) re-enters the vault during the
    /// liquidation sale: every re-entry fails, the sale stands and the liquidation completes.
    function test_MaliciousMakerHookCannotReenter() public {
        bytes32 posB = _posKey(ALICE, 2);
        _deposit(ALICE, address(usdc), 20e6);
        vault.allocateForPosition(ALICE, posB, MARKET, 20e6, IBalanceManagerVault.MarginMode.ISOLATED);

        ReenteringMakerHook hook = new ReenteringMakerHook(IBalanceManagerVault(address(vault)));
        hook.setTarget(ALICE, posB);
        vault.setSettlementRouter(address(hook), true);
        vm.prank(MAKER);
        wbtcBook.setMakerHook(address(hook));
        _bid(MAKER, wbtcBook, 84_000e6, ALICE_WBTC);

        _liquidate();

        vm.assertEq(hook.attempts(), 3, "hook ran and tried three re-entries");
        vm.assertEq(hook.successes(), 0, "no re-entry succeeded");
        vm.assertEq(
            keccak256(hook.reverts(0)),
            keccak256(abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)),
            "release re-entry hit the guard"
        );
        vm.assertEq(
            keccak256(hook.reverts(2)),
            keccak256(abi.encodeWithSelector(BalanceManagerVault.OnlySelf.selector, address(hook))),
            "guarded sale is self-only"
        );
        vm.assertFalse(_alloc(posA).exists, "liquidation completed");
        vm.assertTrue(_alloc(posB).exists, "the other position is intact");
        vm.assertEq(_lockedUsdc(ALICE), 20e6, "its lock is intact");
        vm.assertLt(_free(ALICE, address(wbtc)), ALICE_WBTC, "the sale went through");
    }

    // ---------------------------------------------------------------------------------- fault isolation

    /// A maker whose fill hook reverts cannot block the sale: the book isolates hooks (try/catch + gas cap),
    /// reports the failure, and the WBTC sale clears the floor as usual.
    function test_RevertingMakerHookCannotBlockTheSale() public {
        RevertingMakerHook bad = new RevertingMakerHook();
        vm.prank(MAKER);
        wbtcBook.setMakerHook(address(bad));
        _bid(MAKER, wbtcBook, 84_000e6, ALICE_WBTC);

        vm.expectEmit(true, false, false, true, address(wbtcBook));
        emit OrderBook.MakerHookFailed(MAKER, address(bad));
        _liquidate();

        vm.assertLt(_free(ALICE, address(wbtc)), ALICE_WBTC, "WBTC sold despite the hook");
        vm.assertFalse(_alloc(posA).exists, "liquidation completed");
        vm.assertEq(insurance.paidInBlock(), 0, "the WBTC sale covered the deficit");
    }

    /// A book that reverts outright (etched over the WBTC pool) behaves the same.
    function test_RevertingBookDoesNotBrickLiquidation() public {
        vm.etch(address(wbtcBook), address(new RevertingOrderBook()).code);
        _bid(MAKER2, wethBook, 2_900e6, 1e18);
        vm.recordLogs();
        _liquidate();
        vm.assertEq(bytes4(_saleFailureReason(address(wbtc))), BalanceManagerVault.SaleReverted.selector, "reported");
        vm.assertEq(_free(ALICE, address(wbtc)), ALICE_WBTC, "WBTC untouched");
        vm.assertLt(_free(ALICE, address(weth)), ALICE_WETH, "WETH sold");
    }

    // ---------------------------------------------------------------------------------- off-switch / stale

    /// CONV-6: poolManager unset ⇒ no conversion at all, exactly the legacy path (free USDC → insurance).
    function test_LegacyWhenPoolManagerUnset() public {
        _bid(MAKER, wbtcBook, 84_000e6, ALICE_WBTC);
        vault.setPoolManager(address(0));
        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.DeficitSettled(ALICE, 500e6, 0, 0, 500e6, 0, 0);
        _liquidate();
        vm.assertEq(_free(ALICE, address(wbtc)), ALICE_WBTC, "nothing sold");
        vm.assertEq(wbtcBook.bestBid(), 84_000e6, "book untouched");
    }

    /// CONV-6: the risk engine unset is the other half of the off-switch.
    function test_LegacyWhenQreUnset() public {
        _bid(MAKER, wbtcBook, 84_000e6, ALICE_WBTC);
        vault.setQuantumRiskEngine(address(0));
        _liquidate();
        vm.assertEq(_free(ALICE, address(wbtc)), ALICE_WBTC, "nothing sold");
    }

    /// CONV-7: a stale WBTC price skips WBTC without reverting; WETH (fresh) is still sold.
    function test_StaleCollateralPriceSkipped() public {
        _bid(MAKER, wbtcBook, 84_000e6, ALICE_WBTC);
        _bid(MAKER2, wethBook, 2_900e6, 1e18);
        vm.warp(block.timestamp + MAX_STALENESS + 1);
        oracle.setPrice(SYM_WETH, WETH_PRICE, 8); // only WETH refreshed

        _liquidate();
        vm.assertEq(_free(ALICE, address(wbtc)), ALICE_WBTC, "stale WBTC skipped");
        vm.assertEq(_free(ALICE, address(weth)), ALICE_WETH - _qtyAtFloor(500e6, WETH_FLOOR, 1e18), "WETH sold");
    }

    /// A disabled collateral is never sold.
    function test_DisabledCollateralSkipped() public {
        _bid(MAKER, wbtcBook, 84_000e6, ALICE_WBTC);
        qre.setCollateral(address(wbtc), _disabled());
        _liquidate();
        vm.assertEq(_free(ALICE, address(wbtc)), ALICE_WBTC, "disabled: skipped");
    }

    /// The self-call wrapper cannot be used from outside.
    function test_SellCollateralGuardedIsSelfOnly() public {
        vm.expectRevert(abi.encodeWithSelector(BalanceManagerVault.OnlySelf.selector, address(this)));
        vault.sellCollateralGuarded(ALICE, address(wbtc), 1e6);
    }

    /// The book's pre-simulation predicts the market order exactly.
    function test_BookSimulationMatchesExecution() public {
        _bid(MAKER, wbtcBook, 84_000e6, 300_000);
        _bid(MAKER2, wbtcBook, 83_000e6, 300_000);
        _bid(MAKER, wbtcBook, 79_000e6, 300_000);
        (uint256 simBase, uint256 simQuote) = wbtcBook.calculateOrderAmounts(700_000, IOrderBook.Side.SELL, WBTC_FLOOR);
        vm.assertEq(simBase, 600_000, "stops at the floor");
        vm.assertEq(simQuote, 300_000 * 84_000e6 / 1e8 + 300_000 * 83_000e6 / 1e8, "quote");
        pm.setAuthorizedRouter(address(this));
        uint256 before = _free(ALICE, address(usdc));
        wbtcBook.placeMarketOrder(ALICE, 700_000, IOrderBook.Side.SELL, WBTC_FLOOR);
        vm.assertEq(_free(ALICE, address(usdc)) - before, simQuote, "execution = simulation");
    }

    function test_UnauthorizedRouterCannotSell() public {
        vm.prank(BOB);
        vm.expectRevert(abi.encodeWithSelector(IOrderBook.NotAuthorizedRouter.selector, BOB));
        wbtcBook.placeMarketOrder(ALICE, 1, IOrderBook.Side.SELL, 0);
    }

    // ---------------------------------------------------------------------------------------- helpers

    function _disabled() internal pure returns (IQuantumRiskEngine.CollateralConfig memory c) {
        c = IQuantumRiskEngine.CollateralConfig({
            enabled: false,
            decimals: 8,
            initialWeightBps: 9_000,
            maintenanceWeightBps: 9_500,
            liqFactorBps: 9_500,
            priceSymbol: SYM_WBTC,
            assetCap: type(uint256).max,
            userCap: type(uint256).max,
            maxNotionalUsd18: 1e30
        });
    }

    /// @dev The `reason` of the CollateralSaleFailed event for `token` among the recorded logs, unwrapped from
    /// the guarded call's revert data (which is the vault's own custom error).
    function _saleFailureReason(address token) internal returns (bytes memory) {
        bytes32 sig = IBalanceManagerVault.CollateralSaleFailed.selector;
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == sig && logs[i].topics[2] == bytes32(uint256(uint160(token)))) {
                return abi.decode(logs[i].data, (bytes));
            }
        }
        revert("no CollateralSaleFailed for token");
    }
}

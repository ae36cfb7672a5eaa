// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofDeploy} from "./utils/Deploy.sol";
import {BalanceManager} from "../../contracts/BalanceManager.sol";
import {OrderBook} from "../../contracts/OrderBook.sol";
import {PriceOracle} from "../../contracts/PriceOracle.sol";
import {IBalanceManager} from "../../contracts/interfaces/IBalanceManager.sol";
import {IOrderBook} from "../../contracts/interfaces/IOrderBook.sol";
import {IPriceOracle} from "../../contracts/interfaces/IPriceOracle.sol";
import {IQuantumRiskEngine} from "../../contracts/interfaces/IQuantumRiskEngine.sol";

/// @notice BalanceManager custody, PriceOracle staleness, OrderBook maker/taker mechanics, QRE caps.
contract CustodyTest is VaultproofDeploy {
    // ------------------------------------------------------------------------------ BalanceManager

    function test_DepositWithdrawTracksClaims() public {
        usdc.mint(ALICE, 1_000e6);
        vm.startPrank(ALICE);
        usdc.approve(address(bm), 1_000e6);
        bm.deposit(address(usdc), 1_000e6);
        bm.withdraw(address(usdc), 400e6);
        vm.stopPrank();
        vm.assertEq(bm.getBalance(ALICE, address(usdc)), 600e6, "free");
        vm.assertEq(usdc.balanceOf(ALICE), 400e6, "withdrawn");
        vm.assertEq(bm.totalClaims(address(usdc)), usdc.balanceOf(address(bm)), "claims = custody");
    }

    function test_UnlockMoreThanLockedReverts() public {
        _deposit(ALICE, address(usdc), 100e6);
        bm.setOperator(address(this), true);
        bm.lock(ALICE, address(usdc), 60e6, address(vault));
        vm.expectRevert(abi.encodeWithSelector(IBalanceManager.InsufficientLocked.selector, 61e6, 60e6));
        bm.unlock(ALICE, address(usdc), 61e6, address(vault));
        bm.unlock(ALICE, address(usdc), 60e6, address(vault));
        vm.assertEq(bm.getBalance(ALICE, address(usdc)), 100e6, "all back");
    }

    function test_OnlyOperatorsMoveBalances() public {
        _deposit(ALICE, address(usdc), 100e6);
        vm.prank(BOB);
        vm.expectRevert(abi.encodeWithSelector(IBalanceManager.NotOperator.selector, BOB));
        bm.transferFrom(ALICE, BOB, address(usdc), 1);
        vm.prank(BOB);
        vm.expectRevert(abi.encodeWithSelector(IBalanceManager.NotOperator.selector, BOB));
        bm.transferOut(ALICE, address(usdc), 1, BOB);
    }

    function test_TransferOutReducesClaims() public {
        _deposit(ALICE, address(usdc), 100e6);
        bm.setOperator(address(this), true);
        bm.transferOut(ALICE, address(usdc), 30e6, BOB);
        vm.assertEq(usdc.balanceOf(BOB), 30e6, "tokens out");
        vm.assertEq(bm.totalClaims(address(usdc)), usdc.balanceOf(address(bm)), "claims = custody");
    }

    // ------------------------------------------------------------------------------ PriceOracle

    function test_OracleStalenessNeverReverts() public {
        (bool fresh,,) = oracle.tryGetFreshPrice(SYM_WBTC);
        vm.assertTrue(fresh, "fresh");
        vm.warp(block.timestamp + MAX_STALENESS + 1);
        (fresh,,) = oracle.tryGetFreshPrice(SYM_WBTC);
        vm.assertFalse(fresh, "stale");
        (fresh,,) = oracle.tryGetFreshPrice("NOPE");
        vm.assertFalse(fresh, "unknown");
        vm.expectRevert(abi.encodeWithSelector(IPriceOracle.UnknownSymbol.selector, bytes32("NOPE")));
        oracle.getPrice("NOPE");
        vm.prank(BOB);
        vm.expectRevert(abi.encodeWithSelector(PriceOracle.NotUpdater.selector, BOB));
        oracle.setPrice(SYM_WBTC, 1, 8);
    }

    // ------------------------------------------------------------------------------ OrderBook

    function test_CancelRefundsLockedQuote() public {
        uint256 id = _bid(MAKER, wbtcBook, 84_000e6, 123_457); // 0.00123457 WBTC × 84,000 = 103,703,880 quote units locked
        vm.assertEq(bm.getLockedBalance(MAKER, address(usdc), address(wbtcBook)), 103_703_880, "quote locked");
        vm.prank(BOB);
        vm.expectRevert(abi.encodeWithSelector(OrderBook.NotMaker.selector, id, BOB));
        wbtcBook.cancelOrder(id);
        vm.prank(MAKER);
        wbtcBook.cancelOrder(id);
        vm.assertEq(bm.getLockedBalance(MAKER, address(usdc), address(wbtcBook)), 0, "unlocked");
        vm.assertEq(bm.getBalance(MAKER, address(usdc)), 103_703_880, "refunded");
        vm.assertEq(wbtcBook.bestBid(), 0, "level removed");
    }

    function test_BidLevelsSortedAndFifo() public {
        _bid(MAKER, wbtcBook, 83_000e6, 100_000);
        _bid(MAKER, wbtcBook, 84_000e6, 100_000);
        _bid(BOB, wbtcBook, 84_000e6, 100_000);
        uint256[] memory levels = wbtcBook.priceLevels(true);
        vm.assertEq(levels.length, 2, "two levels");
        vm.assertEq(levels[0], 84_000e6, "best first");
        pm.setAuthorizedRouter(address(this));
        _deposit(ALICE, address(wbtc), 150_000);
        wbtcBook.placeMarketOrder(ALICE, 150_000, IOrderBook.Side.SELL, 0);
        vm.assertEq(bm.getBalance(MAKER, address(wbtc)), 100_000, "first in the level filled first");
        vm.assertEq(bm.getBalance(BOB, address(wbtc)), 50_000, "then the next");
        vm.assertEq(bm.getBalance(ALICE, address(usdc)), 150_000 * 84_000e6 / 1e8, "all at 84,000");
    }

    // A cancelled order stays in its level's queue (lazy deletion) until a walk steps past it. If the walk
    // did not move the head past it (G-CR-ab5df0fb7f: `level.head += 1` on the cancelled branch commented
    // out), it would visit the same dead order MAX_ORDER_VISITS times and the live order behind it would
    // never fill: no other test had a cancelled order ahead of a live one at one price.
    function test_CancelledHeadIsSkippedForTheNextOrder() public {
        uint256 first = _bid(MAKER, wbtcBook, 84_000e6, 100_000);
        _bid(BOB, wbtcBook, 84_000e6, 100_000);
        vm.prank(MAKER);
        wbtcBook.cancelOrder(first);
        vm.assertEq(wbtcBook.bestBid(), 84_000e6, "the level stays: BOB's order is live");
        pm.setAuthorizedRouter(address(this));
        _deposit(ALICE, address(wbtc), 100_000);
        _simulateThenPlace(wbtcBook, 100_000, IOrderBook.Side.SELL, 0, "simulated past the cancelled head");
        vm.assertEq(bm.getBalance(BOB, address(wbtc)), 100_000, "the live order behind the cancelled one filled");
        vm.assertEq(bm.getBalance(MAKER, address(wbtc)), 0, "the cancelled order did not");
        vm.assertEq(bm.getBalance(ALICE, address(usdc)), 100_000 * 84_000e6 / 1e8, "0.001 WBTC at 84,000");
        vm.assertEq(wbtcBook.bestBid(), 0, "level removed once its last live order filled");
    }

    /// Alice's market order for all of `qty`, after the book's own simulation says it fills all of it.
    function _simulateThenPlace(OrderBook book, uint256 qty, IOrderBook.Side side, uint256 limit, string memory what)
        internal
    {
        (uint256 sim,) = book.calculateOrderAmounts(qty, side, limit);
        vm.assertEq(sim, qty, what);
        book.placeMarketOrder(ALICE, qty, side, limit);
    }

    function test_MarketBuyWalksAsks() public {
        _deposit(MAKER, address(weth), 2e18);
        vm.prank(MAKER);
        wethBook.placeLimitOrder(IOrderBook.Side.SELL, 3_100e6, 2e18);
        pm.setAuthorizedRouter(address(this));
        _deposit(ALICE, address(usdc), 10_000e6);
        _simulateThenPlace(wethBook, 1.5e18, IOrderBook.Side.BUY, 3_200e6, "simulated");
        vm.assertEq(bm.getBalance(ALICE, address(weth)), 1.5e18, "bought");
        vm.assertEq(bm.getBalance(MAKER, address(usdc)), 4_650e6, "maker paid its price");
        (uint256 none,) = wethBook.calculateOrderAmounts(1e18, IOrderBook.Side.BUY, 3_000e6);
        vm.assertEq(none, 0, "price cap respected");
    }

    // The ask side mirrors the bids: lowest price first, bestAsk() 0 once the book is empty. (No other test read
    // bestAsk, so G-FHR-2d3b6b40f2, which makes it private, survived every check.)
    function test_AskLevelsSortedLowestFirst() public {
        vm.assertEq(wethBook.bestAsk(), 0, "empty book");
        _deposit(MAKER, address(weth), 3e18);
        vm.startPrank(MAKER);
        uint256 high = wethBook.placeLimitOrder(IOrderBook.Side.SELL, 3_200e6, 1e18);
        wethBook.placeLimitOrder(IOrderBook.Side.SELL, 3_100e6, 1e18);
        uint256 mid = wethBook.placeLimitOrder(IOrderBook.Side.SELL, 3_150e6, 1e18);
        vm.assertEq(wethBook.bestAsk(), 3_100e6, "lowest ask best");
        uint256[] memory levels = wethBook.priceLevels(false);
        vm.assertEq(levels.length, 3, "three levels");
        vm.assertEq(levels[1], 3_150e6, "ascending");
        vm.assertEq(levels[2], 3_200e6, "highest last");
        wethBook.cancelOrder(mid);
        wethBook.cancelOrder(high);
        vm.stopPrank();
        vm.assertEq(wethBook.priceLevels(false).length, 1, "cancelled levels removed");
        pm.setAuthorizedRouter(address(this));
        _deposit(ALICE, address(usdc), 4_000e6);
        wethBook.placeMarketOrder(ALICE, 1e18, IOrderBook.Side.BUY, 3_100e6);
        vm.assertEq(wethBook.bestAsk(), 0, "book emptied");
        vm.assertEq(bm.getBalance(MAKER, address(weth)), 2e18, "the two cancelled asks refunded, the third sold");
        vm.assertEq(bm.getBalance(MAKER, address(usdc)), 3_100e6, "sold at its price");
    }

    function test_PoolManagerOwnerOnlyAndNoRevoke() public {
        vm.prank(BOB);
        vm.expectRevert();
        pm.setAuthorizedRouter(BOB);
        vm.prank(BOB);
        vm.expectRevert();
        pm.createPool(address(mon), address(usdc));
        vm.expectRevert();
        pm.createPool(address(wbtc), address(usdc)); // exists
        vm.assertTrue(pm.isAuthorizedRouter(address(vault)), "vault authorized");
    }

    // ------------------------------------------------------------------------------ QuantumRiskEngine caps

    /// QRE-4: only `userCap` units of a user's balance count.
    function test_QreUserCap() public {
        IQuantumRiskEngine.CollateralConfig memory c = _cfg(8, 9_000, 10_000, 9_500, SYM_WBTC, type(uint256).max);
        c.userCap = 100_000;
        qre.setCollateral(address(wbtc), c);
        _deposit(ALICE, address(wbtc), 200_000);
        vm.assertEq(qre.equity18(ALICE), int256(85e18), "0.001 WBTC counted = $85");
    }

    /// QRE-4: when the asset's total exceeds `assetCap`, each user's counted balance is scaled pro rata.
    function test_QreAssetCapProRata() public {
        IQuantumRiskEngine.CollateralConfig memory c = _cfg(8, 9_000, 10_000, 9_500, SYM_WBTC, type(uint256).max);
        c.assetCap = 100_000;
        qre.setCollateral(address(wbtc), c);
        _deposit(ALICE, address(wbtc), 100_000);
        _deposit(BOB, address(wbtc), 100_000);
        vm.assertEq(qre.equity18(ALICE), int256(42.5e18), "half of 0.001 WBTC counted");
        vm.assertEq(qre.equity18(BOB), int256(42.5e18), "same for Bob: total counted = cap");
    }

    /// QRE-3: above maxNotionalUsd18 value counts at 50%.
    function test_QreSizeScaling() public {
        qre.setCollateral(address(wbtc), _cfg(8, 9_000, 10_000, 9_500, SYM_WBTC, 50_000e18));
        _deposit(ALICE, address(wbtc), 1e8); // $85,000
        vm.assertEq(qre.equity18(ALICE), int256(67_500e18), "50,000 + 35,000 / 2");
        vm.assertFalse(qre.isLiquidatable(ALICE), "no margin, positive equity");
        qre.reportMargins(ALICE, 0, 67_500e18 + 1);
        vm.assertTrue(qre.isLiquidatable(ALICE), "equity < MM");
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LiqFixture} from "./utils/LiqFixture.sol";
import {ILiquidationEngine} from "../../../contracts/interfaces/ILiquidationEngine.sol";
import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";

/// @notice LIQ-2/3/4 and the backstop on the full stack (MM = 1% of notional at the 50x tier).
contract LiquidationEngineTest is LiqFixture {
    /// Carl: short `btc` BTC from 45,000 at 9x with `extra` USDC beyond the margin; Dave: long 1 BTC at 1x.
    function _setup(uint256 btc, uint256 extra) internal {
        _setPrice(45_000);
        _fund(carl, 5_000 * USD * btc + extra);
        _fund(dave, 95_000 * USD);
        _open(perp, carl, false, btc * ONE_BTC, 9);
        _open(perp, dave, true, ONE_BTC, 1);
        _setPrice(50_000);
    }

    // ───────────── eligibility (LIQ-4): liquidatable iff equity < MM ─────────────

    function test_eligibility_equityEqualToMM_isNotLiquidatable() public {
        _setup(1, 500 * USD); // equity 500 = MM 500
        vm.expectRevert(abi.encodeWithSelector(ILiquidationEngine.NotLiquidatable.selector, carl));
        _liquidate(perp, keeper, carl, false, 0);
        le.syncRisk(carl); // the reverted call's sync was rolled back with it
        vm.assertEq(qre.maintenanceMargin18(carl), 500e18, "MM pushed to the QRE by the sync");
        vm.assertEq(qre.equity18(carl), 500e18, "equity = MM");
    }

    function test_eligibility_oneUnitBelowMM_isLiquidatable() public {
        _setup(1, 500 * USD - 1);
        ILiquidationEngine.Result memory r = _liquidate(perp, keeper, carl, false, 0);
        vm.assertEq(r.size, ONE_BTC, "liquidated");
    }

    function test_eligibility_priceMoveMakesLiquidatable() public {
        _setup(1, 1_000 * USD); // equity 1,000 ≥ 500
        vm.expectRevert(abi.encodeWithSelector(ILiquidationEngine.NotLiquidatable.selector, carl));
        _liquidate(perp, keeper, carl, false, 0);
        _setPrice(50_600); // equity 1,000 − 5,600 + 5,000 = 400 < MM 506
        _liquidate(perp, keeper, carl, false, 0);
        vm.assertEq(uint256(_pos(perp, carl, false).size), 0, "closed");
    }

    /// The QRE sees both arches: every position change pushes Σ MM / IM / PnL over PerpEngine and the router.
    function test_riskSync_aggregatesBothArches() public {
        _setPrice(50_000);
        _fund(carl, 20_000 * USD);
        _open(perp, carl, true, ONE_BTC, 10); // IM 5,000, MM 500
        _open(router, carl, false, ONE_BTC / 2, 5); // IM 5,000, MM 250
        vm.assertEq(qre.maintenanceMargin18(carl), 750e18, "MM summed over both arches");
        vm.assertEq(qre.initialMargin18(carl), 10_000e18, "IM summed over both arches");
        _setPrice(52_000);
        le.syncRisk(carl); // +2,000 long, −1,000 short
        vm.assertEq(qre.unrealizedPnl18(carl), 1_000e18, "net PnL at the new mark");
        vm.assertEq(qre.equity18(carl), 21_000e18, "20,000 USDC + 1,000");
        vm.assertEq(qre.maintenanceMargin18(carl), 520e18 + 260e18, "MM at the new mark");
    }

    // ───────────── fee (LIQ-3) ─────────────

    /// The cap binds when the fill leaves room: a short bought back BELOW the oracle has d = v − q + share, so
    /// Dave's ask at 49,000 for 0.2 BTC gives d = 10,000 − 9,800 + ⌊998·100/1,000⌋ = 299 USDC, and the fee
    /// is min(1% cap of 9,800 = 98, 299) — not the 2% asked (196).
    function test_fee_cappedAtMaxLiquidationFeePpm() public {
        _setup(2, 998 * USD); // equity 998 < MM 1,000
        le.setMaxPositionPortionLiquidatedPpm(100_000);
        le.setLiquidationFeePpm(20_000); // 2% asked
        le.setMaxLiquidationFeePpm(10_000); // 1% cap
        ILiquidationEngine.Result memory r = _liquidate(perp, dave, carl, false, 49_000 * USD);
        vm.assertEq(r.absorbed, ONE_BTC / 5, "0.2 BTC from Dave's ask");
        vm.assertEq(r.quoteValue, 9_800 * USD, "0.2 BTC at 49,000");
        vm.assertEq(r.fee, 98 * USD, "fee = 1% cap, not 2%");
        vm.assertLe(r.fee * 1e6, r.quoteValue * le.maxLiquidationFeePpm(), "fee <= MaxLiquidationFeePpm x quote");
    }

    /// REPLACED RULE (was "the fee never exceeds the user's FREE USDC"): dYdX caps the fee by the insurance
    /// delta d, which is a function of TNC, not of how USDC is split between free and locked. Carl (equity 499,
    /// MM 500) fully closed at the oracle: d = 0 + ⌊499·500/500⌋ = 499, so the 1% fee (500) is cut to 499 and
    /// Carl is left with exactly 0 — no deficit created.
    function test_fee_cappedByInsuranceDelta() public {
        _setup(1, 499 * USD);
        le.setLiquidationFeePpm(10_000);
        le.setMaxLiquidationFeePpm(10_000);
        uint256 insBefore = insurance.balance();
        ILiquidationEngine.Result memory r = _liquidate(perp, keeper, carl, false, 0);
        vm.assertEq(r.fee, 499 * USD, "1% of 50,000 = 500 asked, d = 499");
        vm.assertEq(_free(carl), 0, "the fee takes exactly the account's net collateral");
        vm.assertEq(_locked(carl), 0, "position fully released");
        vm.assertEq(insurance.balance() - insBefore, 5_499 * USD, "5,000 loss + 499 fee to the fund");
    }

    // ───────────── cooldown ─────────────

    function test_partialCooldown() public {
        _setup(2, 998 * USD);
        le.setMaxPositionPortionLiquidatedPpm(100_000);
        uint256 t0 = block.timestamp;
        _liquidate(perp, keeper, carl, false, 0);
        bytes32 key = perp.positionKey(carl, MARKET, false);
        vm.assertEq(le.lastPartialLiquidationAt(key), t0, "partial recorded");

        // After 0.2 BTC at 50,000 Carl is healthy again (equity 948 ≥ MM 900); at 50,100 he is not (768 < 901.8).
        vm.roll(block.number + 1);
        vm.warp(t0 + 10);
        _setPrice(50_100);
        vm.expectRevert(
            abi.encodeWithSelector(ILiquidationEngine.PartialLiquidationCooldown.selector, key, t0 + 30)
        );
        _liquidate(perp, keeper, carl, false, 0);

        vm.warp(t0 + 30);
        _setPrice(50_100);
        ILiquidationEngine.Result memory r = _liquidate(perp, keeper, carl, false, 0);
        vm.assertGt(r.size, 0, "allowed once the cooldown elapsed");
    }

    function test_cooldown_doesNotBlockFullLiquidation() public {
        _setup(2, 998 * USD);
        le.setMaxPositionPortionLiquidatedPpm(100_000);
        _liquidate(perp, keeper, carl, false, 0);
        vm.roll(block.number + 1);
        _setPrice(50_100);
        le.setMinPositionNotionalLiquidated(1_000_000 * USD); // lifts the size to the whole position
        ILiquidationEngine.Result memory r = _liquidate(perp, keeper, carl, false, 0);
        vm.assertEq(r.size, 18 * ONE_BTC / 10, "whole remaining 1.8 BTC inside the cooldown");
        vm.assertEq(uint256(_pos(perp, carl, false).size), 0, "closed");
    }

    // ───────────── backstop ─────────────

    function test_backstop_takesWholeFillAtOracle_whenNoCounterparty() public {
        _setup(1, 499 * USD);
        uint256 insBefore = insurance.balance();
        ILiquidationEngine.Result memory r = _liquidate(perp, keeper, carl, false, 49_000 * USD);
        vm.assertEq(r.absorbed, 0, "keeper holds nothing opposite");
        vm.assertEq(r.backstopped, ONE_BTC, "backstop takes it all");
        vm.assertEq(r.quoteValue, 50_000 * USD, "at the oracle price, not the offered 49,000");
        vm.assertEq(le.backstopInventory(address(perp), MARKET), -int256(ONE_BTC), "backstop now short 1 BTC");
        // Carl: −5,000 at the oracle, all of his 5,000 margin to the insurance fund, then the 250 fee.
        vm.assertEq(_free(carl), 249 * USD, "499 - 250");
        vm.assertEq(insurance.balance() - insBefore, 5_250 * USD, "loss + fee to insurance");
    }

    function test_backstop_takesWhatTheBookCannot() public {
        _setPrice(45_000);
        _fund(carl, 5_499 * USD);
        _fund(dave, 95_000 * USD);
        _open(perp, carl, false, ONE_BTC, 9);
        _open(perp, dave, true, 3 * ONE_BTC / 10, 1);
        _setPrice(50_000);
        ILiquidationEngine.Result memory r = _liquidate(perp, dave, carl, false, 49_900 * USD);
        vm.assertEq(r.absorbed, 3 * ONE_BTC / 10, "Dave's ask fills his 0.3 BTC");
        vm.assertEq(r.backstopped, 7 * ONE_BTC / 10, "backstop the other 0.7");
        vm.assertEq(r.fills, 2, "two fills");
        vm.assertEq(r.quoteValue, 14_970 * USD + 35_000 * USD, "0.3 x 49,900 + 0.7 x 50,000");
        vm.assertEq(uint256(_pos(perp, dave, true).size), 0, "Dave's long closed by the fill");
    }

    /// REPLACED RULE (was "a fill price more than 5% from the oracle reverts"): dYdX's fillable price bounds
    /// which resting orders the liquidation order takes. Carl (TNC 499, TMMR 500, PMMR 500): ABR = 1 − 499/500
    /// = 0.002, spread = ABR · 10% · 500 = 0.1 USDC, fillable = 50,000.1. Dave's ask at 50,500 is worse, so it
    /// is not taken; the backstop takes the position at the oracle and Dave's order stays on the book.
    function test_orderBeyondFillablePrice_isNotTaken() public {
        _setup(1, 499 * USD);
        uint256 id = _rest(perp, dave, false, 50_500 * USD, ONE_BTC);
        vm.prank(keeper);
        ILiquidationEngine.Result memory r = le.liquidate(address(perp), carl, MARKET, false);
        vm.assertEq(r.fillablePrice, 50_000_100_000, "fillable price 50,000.1");
        vm.assertEq(r.absorbed, 0, "the 50,500 ask is beyond it");
        vm.assertEq(r.backstopped, ONE_BTC, "backstop at the oracle");
        vm.assertEq(uint256(perpBook.getOrder(id).remaining), ONE_BTC, "Dave's order untouched");
        vm.assertEq(uint256(_pos(perp, dave, true).size), ONE_BTC, "Dave keeps his long");
    }

    // ───────────── insurance per account per block (LIQ-2) ─────────────

    /// REPLACED RULE (was "the whole liquidation reverts InsuranceLossLimit"): the fill that would exceed the
    /// limit is rejected and the call succeeds with nothing filled; the position stays open. Carl at 56,000:
    /// TNC = 5,499 − 11,000 = −5,501, so closing 1 BTC at 56,000 has d = 0 + ⌊−5,501·560/560⌋ = −5,501.
    function test_insuranceLossLimit_perAccountPerBlock() public {
        _setup(1, 499 * USD);
        _setPrice(56_000);
        le.setMaxQuantumsInsuranceLost(5_000 * USD);
        ILiquidationEngine.Result memory r = _liquidate(perp, dave, carl, false, 56_000 * USD);
        vm.assertEq(uint256(r.stop), uint256(ILiquidationEngine.Stop.INSURANCE_LIMIT), "stopped by the limit");
        vm.assertEq(r.size, 0, "the only fill was rejected");
        vm.assertEq(uint256(_pos(perp, carl, false).size), ONE_BTC, "Carl's short stays open");
        vm.assertEq(le.remainingInsuranceLoss(carl), 5_000 * USD, "nothing counted");

        le.setMaxQuantumsInsuranceLost(6_000 * USD);
        r = _liquidate(perp, dave, carl, false, 56_000 * USD);
        vm.assertEq(r.size, ONE_BTC, "admitted once the limit leaves room");
        vm.assertEq(r.insuranceLost, 5_501 * USD, "-d = 5,501");
        vm.assertEq(le.remainingInsuranceLoss(carl), 499 * USD, "per-account budget used");
        vm.roll(block.number + 1);
        vm.assertEq(le.remainingInsuranceLoss(carl), 6_000 * USD, "resets next block");
    }

    // ───────────── access control and input checks ─────────────

    function test_selfLiquidation_andUnknownArch_revert() public {
        _setup(1, 499 * USD);
        vm.expectRevert(ILiquidationEngine.SelfLiquidation.selector);
        _liquidate(perp, carl, carl, false, 0);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(ILiquidationEngine.UnknownArch.selector, address(0xDEAD)));
        le.liquidate(address(0xDEAD), carl, MARKET, false);
    }

    function test_archLiquidationCallback_onlyEngine() public {
        _setup(1, 499 * USD);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(IPerpEngine.NotLiquidationEngine.selector, keeper));
        perp.onPositionLiquidated(carl, MARKET, false, ONE_BTC, 0);
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(IPerpEngine.NotLiquidationEngine.selector, keeper));
        router.onPositionLiquidated(carl, MARKET, false, ONE_BTC, 0);
    }

    function test_ownerOnlySetters() public {
        vm.startPrank(keeper);
        vm.expectRevert();
        le.setMinPositionNotionalLiquidated(0);
        vm.expectRevert();
        le.setMaxPositionPortionLiquidatedPpm(1);
        vm.expectRevert();
        le.setMaxNotionalLiquidated(0);
        vm.expectRevert();
        le.setMaxQuantumsInsuranceLost(0);
        vm.expectRevert();
        le.setLiquidationFeePpm(0);
        vm.expectRevert();
        le.setMaxLiquidationFeePpm(0);
        vm.expectRevert();
        le.setPartialLiquidationCooldown(0);
        vm.expectRevert();
        le.setFillablePriceConfig(0, 0);
        vm.expectRevert();
        le.setBackstopEnabled(false);
        vm.expectRevert();
        le.setBook(address(perp), MARKET, perpBook);
        vm.expectRevert();
        le.addArch(address(1));
        vm.expectRevert();
        perp.setLiquidationEngine(keeper);
        vm.expectRevert();
        router.setMarket(MARKET, "X", 8, true);
        vm.stopPrank();
    }

    function test_parameterValidation() public {
        vm.expectRevert(ILiquidationEngine.InvalidParameter.selector);
        le.setMaxPositionPortionLiquidatedPpm(0);
        vm.expectRevert(ILiquidationEngine.InvalidParameter.selector);
        le.setMaxPositionPortionLiquidatedPpm(1_000_001);
        vm.expectRevert(ILiquidationEngine.InvalidParameter.selector);
        le.setMaxLiquidationFeePpm(1_000_001);
        vm.expectRevert(ILiquidationEngine.InvalidParameter.selector);
        le.setFillablePriceConfig(1_000_001, 0);
        vm.expectRevert(ILiquidationEngine.InvalidParameter.selector);
        le.setBook(address(router), MARKET, perpBook); // the book belongs to another arch
    }

    /// LIQ-1/2/3 end to end: any portion / min / account limit gives a size within the position and the
    /// limits, and a fee within the cap.
    function testFuzz_liquidation_respectsLimits(uint256 minN, uint256 ppm, uint256 maxN) public {
        _setup(2, 998 * USD);
        minN = bound(minN, 0, 200_000 * USD);
        ppm = bound(ppm, 1, 1_000_000);
        maxN = bound(maxN, 1, 200_000 * USD);
        le.setMinPositionNotionalLiquidated(minN);
        le.setMaxPositionPortionLiquidatedPpm(ppm);
        le.setMaxNotionalLiquidated(maxN);
        try le.liquidate(address(perp), carl, MARKET, false) returns (ILiquidationEngine.Result memory r) {
            vm.assertLe(r.size, 2 * ONE_BTC, "<= position");
            vm.assertLe(r.notional, maxN, "<= MaxNotionalLiquidated");
            vm.assertLe(r.notional, 100_000 * USD, "<= position notional");
            uint256 portion = 100_000 * USD * ppm / 1e6;
            vm.assertLe(r.notional, portion > minN ? portion : minN, "<= max(min, portion)");
            vm.assertLe(r.fee * 1e6, r.quoteValue * le.maxLiquidationFeePpm(), "fee cap");
            vm.assertEq(r.size, r.requested, "the backstop fills what the book does not");
            vm.assertLe(le.remainingNotional(carl) + r.notional, maxN, "block accounting");
        } catch (bytes memory err) {
            // only a size that rounds to zero base units may refuse
            vm.assertEq(bytes4(err), ILiquidationEngine.NothingToLiquidate.selector, "only NothingToLiquidate");
        }
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LiqFixture} from "./utils/LiqFixture.sol";
import {ILiquidationEngine} from "../../../contracts/interfaces/ILiquidationEngine.sol";
import {IPerpOrderBook} from "../../../contracts/interfaces/IPerpOrderBook.sol";
import {PerpArchBase} from "../../../contracts/PerpArchBase.sol";

/// @notice LIQ-1, LIQ-3, LIQ-6, LIQ-7 end to end: the liquidation order against the perp book, written from
/// dYdX v4's rules (x/clob/keeper/liquidations.go): price-time priority, several fills, the fillable-price bound, d = fill quote − bankruptcy
/// quote per fill (long sells: q − v + ⌊TNC·ΔMMR/TMMR⌋; short buys: v − q + ⌊TNC·ΔMMR/TMMR⌋), fee =
/// min(⌊q·feePpm/1e6⌋, d) when d > 0, and MaxQuantumsInsuranceLost enforced per fill (the first fill that
/// would exceed what is left is rejected; the fills before it stand; nothing reverts).
/// MM is 1% of notional (the 50x tier), fee 0.5%, FillablePriceConfig BA 100% / SMMR 10% (dYdX defaults).
contract BookFillsTest is LiqFixture {
    address internal erin = address(0xE41);

    /// Carl: short 1 BTC from 45,000 at 9x with 499 USDC free → at 50,000 TNC 499 < MM 500.
    function _carlShort() internal {
        _setPrice(45_000);
        _fund(carl, 5_499 * USD);
        _open(perp, carl, false, ONE_BTC, 9);
    }

    /// `who` long `size` from 45,000 at 1x (the asks' makers).
    function _long(address who, uint256 size) internal {
        _setPrice(45_000);
        _fund(who, 50_000 * USD);
        _open(perp, who, true, size, 1);
    }

    /// Carl's short, Erin and Dave long 1 BTC each (in that order) to rest asks, the price at 50,000.
    function _carlShortErinDaveLong() internal {
        _carlShort();
        _long(erin, ONE_BTC);
        _long(dave, ONE_BTC);
        _setPrice(50_000);
    }

    // ───────────── several fills, price-time priority ─────────────

    /// Erin's ask (50,000, first in time) and Dave's better ask (49,950, later): the best price fills first.
    /// Fill 1: 0.6 BTC at 49,950, q = 29,970, v = 30,000, ΔMMR 300, share ⌊499·300/500⌋ = 299 → d = 329,
    /// fee = min(149.85, 329) = 149.85. Carl re-synced: TNC 379.15, TMMR 200. Fill 2: 0.4 at 50,000, q = v =
    /// 20,000, share ⌊379.15·200/200⌋ = 379.15 → d = 379.15, fee = min(100, 379.15) = 100.
    function test_twoRestingOrders_twoPrices_bestPriceFirst() public {
        _carlShortErinDaveLong();
        uint256 erinOrder = _rest(perp, erin, false, 50_000 * USD, 4 * ONE_BTC / 10);
        uint256 daveOrder = _rest(perp, dave, false, 49_950 * USD, 6 * ONE_BTC / 10);
        le.setMinPositionNotionalLiquidated(100_000 * USD); // the whole position

        vm.prank(keeper);
        ILiquidationEngine.Result memory r = le.liquidate(address(perp), carl, MARKET, false);

        vm.assertEq(r.fills, 2, "two fills");
        vm.assertEq(r.absorbed, ONE_BTC, "all from the book");
        vm.assertEq(r.backstopped, 0, "nothing for the backstop");
        vm.assertEq(uint256(r.stop), uint256(ILiquidationEngine.Stop.FILLED), "filled");
        vm.assertEq(r.quoteValue, 29_970 * USD + 20_000 * USD, "0.6 x 49,950 + 0.4 x 50,000");
        vm.assertEq(r.fee, 149_850_000 + 100 * USD, "fee per fill, each min(cap, d)");
        vm.assertEq(r.insuranceLost, 0, "d > 0 on both fills");
        vm.assertEq(uint256(perpBook.getOrder(daveOrder).remaining), 0, "Dave's better ask consumed");
        vm.assertEq(uint256(perpBook.getOrder(erinOrder).remaining), 0, "then Erin's");
        vm.assertEq(uint256(_pos(perp, dave, true).size), 4 * ONE_BTC / 10, "Dave sold 0.6 of his long");
        vm.assertEq(uint256(_pos(perp, erin, true).size), 6 * ONE_BTC / 10, "Erin sold 0.4 of hers");
        vm.assertEq(uint256(_pos(perp, carl, false).size), 0, "Carl closed");
        // Carl: 499 − 119.85 (fill 1: loss 3,119.85 incl. fee on a 3,000 lock) − 100 (fill 2) = 279.15
        vm.assertEq(_free(carl), 279_150_000, "Carl keeps 279.15");
        vm.assertEq(_locked(carl), 0, "nothing locked");
    }

    /// Same price: the older order fills first (FIFO within a price level).
    function test_samePrice_olderOrderFirst() public {
        _carlShortErinDaveLong();
        uint256 erinOrder = _rest(perp, erin, false, 50_000 * USD, 7 * ONE_BTC / 10);
        uint256 daveOrder = _rest(perp, dave, false, 50_000 * USD, 7 * ONE_BTC / 10);
        le.setMinPositionNotionalLiquidated(100_000 * USD);
        vm.prank(keeper);
        ILiquidationEngine.Result memory r = le.liquidate(address(perp), carl, MARKET, false);
        vm.assertEq(r.fills, 2, "two fills");
        vm.assertEq(uint256(perpBook.getOrder(erinOrder).remaining), 0, "Erin's older order filled whole");
        vm.assertEq(uint256(perpBook.getOrder(daveOrder).remaining), 4 * ONE_BTC / 10, "Dave's only 0.3 of 0.7");
    }

    // ───────────── MaxQuantumsInsuranceLost per fill ─────────────

    /// Carl at 56,000: TNC −5,501, TMMR 560, fillable 56,056. Limit 5,000.
    /// Fill 1 (Dave, 0.5 at 56,000): d = 0 + ⌊−5,501·280/560⌋ = −2,750.5 → admitted (room 5,000 → 2,249.5).
    /// The vault settles it: 2,500 forfeited, 499 free USDC, the fund 2,501. Re-synced TNC −3,000, TMMR 280.
    /// Fill 2 (Erin, 0.5 at 56,050): d = 28,000 − 28,025 − 3,000 = −3,025 > 2,249.5 → REJECTED; matching stops,
    /// fill 1 stands, the call does not revert, Erin's order and Carl's other 0.5 BTC stay.
    function test_insuranceLimit_rejectsSecondFill_firstStands() public {
        _carlShort();
        _long(dave, ONE_BTC / 2);
        _long(erin, ONE_BTC / 2);
        _setPrice(56_000);
        _rest(perp, dave, false, 56_000 * USD, ONE_BTC / 2);
        uint256 erinOrder = _rest(perp, erin, false, 56_050 * USD, ONE_BTC / 2);
        le.setMaxQuantumsInsuranceLost(5_000 * USD);
        uint256 insBefore = insurance.balance();

        vm.prank(keeper);
        ILiquidationEngine.Result memory r = le.liquidate(address(perp), carl, MARKET, false);

        vm.assertEq(r.fillablePrice, 56_056 * USD, "fillable: ABR 1, spread 10% of MM 560");
        vm.assertEq(uint256(r.stop), uint256(ILiquidationEngine.Stop.INSURANCE_LIMIT), "stopped by the limit");
        vm.assertEq(r.fills, 1, "one fill stands");
        vm.assertEq(r.size, ONE_BTC / 2, "0.5 BTC liquidated");
        vm.assertEq(r.insuranceLost, 2_750_500_000, "-d of fill 1");
        vm.assertEq(r.fee, 0, "no fee when d < 0");
        vm.assertEq(r.backstopped, 0, "a rejected fill is not handed to the backstop");
        vm.assertEq(le.remainingInsuranceLoss(carl), 2_249_500_000, "room left 2,249.5");
        vm.assertEq(uint256(_pos(perp, carl, false).size), ONE_BTC / 2, "Carl keeps 0.5 BTC short");
        vm.assertEq(uint256(perpBook.getOrder(erinOrder).remaining), ONE_BTC / 2, "Erin's order untouched");
        vm.assertEq(uint256(_pos(perp, dave, true).size), 0, "Dave's fill settled");
        // the fund: +2,500 forfeit +499 free (+2,501 −2,501 cover) − Dave's 5,500 profit = −2,501 ≤ −d
        vm.assertEq(insBefore - insurance.balance(), 2_501 * USD, "fund paid 2,501 <= 2,750.5 (free USDC first)");

        // next block the limit resets and the rest goes (a full liquidation is not held by the cooldown)
        vm.roll(block.number + 1);
        vm.prank(keeper);
        r = le.liquidate(address(perp), carl, MARKET, false);
        vm.assertEq(r.size, ONE_BTC / 2, "remaining 0.5 BTC filled by Erin next block");
        vm.assertEq(r.insuranceLost, 3_025 * USD, "-d of Erin's fill, now within the fresh limit");
        vm.assertEq(uint256(_pos(perp, carl, false).size), 0, "closed");
    }

    // ───────────── d < 0 and d > 0, long and short ─────────────

    /// Long, d < 0: Dave long 1 BTC from 55,000 (11x, 499 free), price 44,000 → TNC −5,501, TMMR 440.
    /// Carl's bid at 44,000: d = q − v + ⌊−5,501·440/440⌋ = −5,501; no fee; the fund loses exactly 5,501.
    function test_long_negativeDelta_fundLosesMinusD() public {
        _openBook(perp, 55_000, dave, 5_499 * USD, true, 11, carl, 50_000 * USD, 2, 44_000);
        _rest(perp, carl, true, 44_000 * USD, ONE_BTC);
        le.setMinPositionNotionalLiquidated(100_000 * USD);
        uint256 insBefore = insurance.balance();
        vm.prank(keeper);
        ILiquidationEngine.Result memory r = le.liquidate(address(perp), dave, MARKET, true);
        vm.assertEq(r.fillablePrice, 43_956 * USD, "a long sells at >= 44,000 - 44");
        vm.assertEq(r.absorbed, ONE_BTC, "filled by Carl's bid");
        vm.assertEq(r.insuranceLost, 5_501 * USD, "-d = 5,501");
        vm.assertEq(r.fee, 0, "no fee");
        vm.assertEq(insBefore - insurance.balance(), 5_501 * USD, "the fund pays -d");
        vm.assertEq(_free(dave) + _locked(dave), 0, "Dave's USDC used first");
    }

    /// Long, d > 0 with the fee bounded by d: Dave long from 55,000, TNC 499 at 50,000; Carl's bid at the
    /// fillable price 49,999.9: d = −0.1 + ⌊499·500/500⌋ = 498.9 < the 1% cap 499.999 → fee = d, and Dave is
    /// left with exactly 0 (the fee never creates a deficit).
    function test_long_positiveDelta_feeIsMinOfCapAndD() public {
        _openBook(perp, 55_000, dave, 5_499 * USD, true, 11, carl, 50_000 * USD, 2, 50_000);
        le.setLiquidationFeePpm(10_000);
        le.setMaxLiquidationFeePpm(10_000);
        le.setMinPositionNotionalLiquidated(100_000 * USD);
        _rest(perp, carl, true, 49_999_900_000, ONE_BTC);
        uint256 insBefore = insurance.balance();
        vm.prank(keeper);
        ILiquidationEngine.Result memory r = le.liquidate(address(perp), dave, MARKET, true);
        vm.assertEq(r.fillablePrice, 49_999_900_000, "fillable 49,999.9");
        vm.assertEq(r.absorbed, ONE_BTC, "the bid at the fillable price is taken");
        vm.assertEq(r.fee, 498_900_000, "fee = d = 498.9 (cap 499.999)");
        vm.assertEq(r.insuranceLost, 0, "d > 0");
        vm.assertEq(_free(dave) + _locked(dave), 0, "Dave ends at exactly 0");
        // fund: +5,000 forfeit +499 from free − Carl's 5,000.1 profit = +498.9 = the fee
        vm.assertEq(insurance.balance() - insBefore, 498_900_000, "the fund gains the fee");
    }

    /// Short, d > 0 (seed 004 case 1's rule, here from the book): fee = min(0.5% of 50,000, d = 499) = 250.
    function test_short_positiveDelta_feeCapped() public {
        _carlShort();
        _long(dave, ONE_BTC);
        _setPrice(50_000);
        _rest(perp, dave, false, 50_000 * USD, ONE_BTC);
        le.setMinPositionNotionalLiquidated(100_000 * USD);
        vm.prank(keeper);
        ILiquidationEngine.Result memory r = le.liquidate(address(perp), carl, MARKET, false);
        vm.assertEq(r.fee, 250 * USD, "min(250, 499)");
        vm.assertEq(_free(carl), 249 * USD, "499 - 250");
    }

    /// Short, d < 0 against the book, both arches: identical results (ST-8 parity of the new path).
    function test_short_negativeDelta_sameOnBothArches() public {
        uint256[2] memory lost;
        uint256[2] memory paid;
        address[2] memory shorts = [address(0xA1), address(0xA2)];
        address[2] memory longs = [address(0xB1), address(0xB2)];
        PerpArchBase[2] memory arches = [PerpArchBase(perp), PerpArchBase(router)];
        for (uint256 i; i < 2; ++i) {
            _openBook(arches[i], 45_000, shorts[i], 5_499 * USD, false, 9, longs[i], 50_000 * USD, 1, 56_000);
            _rest(arches[i], longs[i], false, 56_000 * USD, ONE_BTC);
            uint256 insBefore = insurance.balance();
            vm.prank(keeper);
            ILiquidationEngine.Result memory r =
                le.liquidate(address(arches[i]), shorts[i], MARKET, false);
            lost[i] = r.insuranceLost;
            paid[i] = insBefore - insurance.balance();
        }
        vm.assertEq(lost[0], 5_501 * USD, "-d = 5,501");
        vm.assertEq(lost[0], lost[1], "same insurance delta on both arches");
        vm.assertEq(paid[0], paid[1], "same fund payment on both arches");
    }

    // ───────────── remainder, reduce-only, book rules ─────────────

    function test_backstopOff_remainderStaysOpen() public {
        _carlShort();
        _long(dave, 3 * ONE_BTC / 10);
        _setPrice(50_000);
        _rest(perp, dave, false, 50_000 * USD, 3 * ONE_BTC / 10);
        le.setBackstopEnabled(false);
        le.setMinPositionNotionalLiquidated(100_000 * USD);
        vm.prank(keeper);
        ILiquidationEngine.Result memory r = le.liquidate(address(perp), carl, MARKET, false);
        vm.assertEq(r.requested, ONE_BTC, "the order asked for the whole position");
        vm.assertEq(r.size, 3 * ONE_BTC / 10, "the book had 0.3");
        vm.assertEq(uint256(r.stop), uint256(ILiquidationEngine.Stop.NO_LIQUIDITY), "book exhausted");
        vm.assertEq(uint256(_pos(perp, carl, false).size), 7 * ONE_BTC / 10, "0.7 BTC stays open");
        vm.assertEq(le.backstopInventory(address(perp), MARKET), 0, "no backstop");
    }

    function test_reduceOnly_placementAndExpiry() public {
        _carlShort();
        _long(dave, ONE_BTC / 2);
        _long(erin, ONE_BTC);
        vm.prank(dave);
        vm.expectRevert(abi.encodeWithSelector(IPerpOrderBook.NotReduceOnly.selector, ONE_BTC, ONE_BTC / 2));
        perpBook.placeOrder(false, 50_000 * USD, ONE_BTC);
        uint256 daveOrder = _rest(perp, dave, false, 49_900 * USD, ONE_BTC / 2);
        _rest(perp, erin, false, 50_000 * USD, ONE_BTC);
        _setPrice(50_000);
        vm.prank(dave);
        perp.closePosition(MARKET, true, 50_000 * USD); // Dave's order now has nothing to reduce
        le.setMinPositionNotionalLiquidated(100_000 * USD);
        vm.prank(keeper);
        ILiquidationEngine.Result memory r = le.liquidate(address(perp), carl, MARKET, false);
        vm.assertEq(uint256(perpBook.getOrder(daveOrder).remaining), 0, "Dave's stale order expired");
        vm.assertEq(r.fills, 1, "Erin's order filled instead");
        vm.assertEq(r.quoteValue, 50_000 * USD, "at Erin's price");
    }

    function test_book_onlyMatcher_onlyMaker_sortedLevels() public {
        _long(dave, ONE_BTC);
        uint256 a = _rest(perp, dave, false, 50_100 * USD, ONE_BTC / 4);
        _rest(perp, dave, false, 49_900 * USD, ONE_BTC / 4);
        _rest(perp, dave, false, 50_000 * USD, ONE_BTC / 4);
        uint256[] memory asks = perpBook.priceLevels(false);
        vm.assertEq(asks.length, 3, "three ask levels");
        vm.assertEq(asks[0], 49_900 * USD, "best ask first");
        vm.assertEq(asks[2], 50_100 * USD, "worst last");
        vm.expectRevert(abi.encodeWithSelector(IPerpOrderBook.NotMatcher.selector, address(this)));
        perpBook.fill(a, 1);
        vm.expectRevert(abi.encodeWithSelector(IPerpOrderBook.NotMatcher.selector, address(this)));
        perpBook.expire(a);
        vm.prank(erin);
        vm.expectRevert(abi.encodeWithSelector(IPerpOrderBook.NotMaker.selector, a, erin));
        perpBook.cancelOrder(a);
        vm.prank(dave);
        perpBook.cancelOrder(a);
        vm.assertEq(perpBook.priceLevels(false).length, 2, "cancelled level removed");
    }

    /// A maker whose own close cannot settle (here: 100 sats of a 2 BTC long, below the vault's 1 ppm release
    /// fraction) cannot block the liquidation: its order is removed and the next order fills.
    function test_makerSettlementFailure_isIsolated() public {
        _carlShort();
        _fund(erin, 40_000 * USD); // 2 BTC at 45,000, 1x
        _long(erin, 2 * ONE_BTC);
        _long(dave, ONE_BTC);
        _setPrice(50_000);
        uint256 grief = _rest(perp, erin, false, 49_990 * USD, 100);
        _rest(perp, dave, false, 50_000 * USD, ONE_BTC);
        le.setMinPositionNotionalLiquidated(100_000 * USD);
        vm.prank(keeper);
        ILiquidationEngine.Result memory r = le.liquidate(address(perp), carl, MARKET, false);
        vm.assertEq(uint256(perpBook.getOrder(grief).remaining), 0, "the unsettleable order was removed");
        vm.assertEq(uint256(_pos(perp, erin, true).size), 2 * ONE_BTC, "Erin's position untouched");
        vm.assertEq(r.fills, 1, "Dave's order filled the liquidation");
        vm.assertEq(r.absorbed, ONE_BTC, "all of it");
        vm.assertEq(uint256(_pos(perp, carl, false).size), 0, "Carl closed");
    }
}

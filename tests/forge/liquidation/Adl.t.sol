// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofTest} from "../utils/Vm.sol";
import {AdlEngine} from "../../../contracts/AdlEngine.sol";
import {PriceOracle} from "../../../contracts/PriceOracle.sol";
import {IPriceOracle} from "../../../contracts/interfaces/IPriceOracle.sol";
import {LiqFixture} from "./utils/LiqFixture.sol";
import {ILiquidationEngine} from "../../../contracts/interfaces/ILiquidationEngine.sol";

/// @notice DEBT-5: ADL charges only OPPOSITE-side PROFITABLE positions, highest ROE first, each at most its
/// unrealized profit, in total exactly the shortfall or all capacity with the rest recorded.
/// The test contract is the (only) reporter and socializer; mark = 50,000 USDC/BTC.
contract AdlTest is VaultproofTest {
    uint256 internal constant USD = 1e6;
    uint256 internal constant BTC1 = 1e8;
    address internal constant MKT = address(0xB7C);
    PriceOracle internal oracle;
    AdlEngine internal adl;

    // short side (opposite of a liquidated long): profit at 50,000 / margin → ROE
    bytes32 internal constant S1 = bytes32(uint256(0x51)); // entry 60,000, 1 BTC, margin 6,000: +10,000, ROE 1.67
    bytes32 internal constant S2 = bytes32(uint256(0x52)); // entry 55,000, 1 BTC, margin 1,000: +5,000, ROE 5
    bytes32 internal constant S3 = bytes32(uint256(0x53)); // entry 52,000, 2 BTC, margin 4,000: +4,000, ROE 1
    bytes32 internal constant S4 = bytes32(uint256(0x54)); // entry 48,000, 1 BTC: a loser (−2,000)
    bytes32 internal constant L1 = bytes32(uint256(0x11)); // long entry 40,000: profitable but SAME side as liquidated

    function setUp() public {
        vm.warp(1_000_000);
        oracle = new PriceOracle(address(this), 3600);
        oracle.setPrice("BTC", 50_000e8, 8);
        adl = new AdlEngine(address(this), IPriceOracle(address(oracle)));
        adl.setMarket(MKT, "BTC", 8);
        adl.setReporter(address(this), true);
        adl.setSocializer(address(this), true);
        adl.updatePosition(MKT, S1, false, 60_000 * USD, BTC1, 6_000 * USD);
        adl.updatePosition(MKT, S2, false, 55_000 * USD, BTC1, 1_000 * USD);
        adl.updatePosition(MKT, S3, false, 52_000 * USD, 2 * BTC1, 4_000 * USD);
        adl.updatePosition(MKT, S4, false, 48_000 * USD, BTC1, 1_000 * USD);
        adl.updatePosition(MKT, L1, true, 40_000 * USD, BTC1, 1_000 * USD);
    }

    function test_roeOrder_exactTotal_perPositionCap() public {
        vm.assertEq(adl.capacity(MKT, true), 19_000 * USD, "capacity = 10,000 + 5,000 + 4,000");
        (uint256 s, uint256 r) = adl.socialize(MKT, true, 12_000 * USD);
        vm.assertEq(s, 12_000 * USD, "exactly the shortfall");
        vm.assertEq(r, 0, "nothing recorded");
        vm.assertEq(adl.pendingHaircut(S2), 5_000 * USD, "highest ROE first, capped at its profit");
        vm.assertEq(adl.pendingHaircut(S1), 7_000 * USD, "second ROE takes the rest");
        vm.assertEq(adl.pendingHaircut(S3), 0, "lowest ROE untouched");
        vm.assertEq(adl.pendingHaircut(S4), 0, "loser never charged");
        vm.assertEq(adl.pendingHaircut(L1), 0, "same side never charged");
        vm.assertEq(adl.totalRecordedShortfall(), 0, "no shortfall");
    }

    function test_capacityShort_recordsShortfall() public {
        adl.socialize(MKT, true, 12_000 * USD);
        // left: S1 3,000, S3 4,000 → 7,000 of a 10,000 shortfall
        (uint256 s, uint256 r) = adl.socialize(MKT, true, 10_000 * USD);
        vm.assertEq(s, 7_000 * USD, "all remaining capacity");
        vm.assertEq(r, 3_000 * USD, "rest recorded explicitly");
        vm.assertEq(adl.totalRecordedShortfall(), 3_000 * USD, "accumulated");
        vm.assertEq(adl.pendingHaircut(S1), 10_000 * USD, "S1 at its full profit, never more");
        vm.assertEq(adl.pendingHaircut(S2), 5_000 * USD, "S2 at its full profit, never more");
        vm.assertEq(adl.pendingHaircut(S3), 4_000 * USD, "S3 at its full profit");
        vm.assertEq(adl.capacity(MKT, true), 0, "no capacity left");
    }

    function test_liquidatedShort_chargesOnlyLongs() public {
        (uint256 s, uint256 r) = adl.socialize(MKT, false, 20_000 * USD);
        vm.assertEq(s, 10_000 * USD, "only L1's profit (50,000 - 40,000)");
        vm.assertEq(r, 10_000 * USD, "rest recorded");
        vm.assertEq(adl.pendingHaircut(L1), 10_000 * USD, "L1 charged");
        vm.assertEq(adl.pendingHaircut(S1) + adl.pendingHaircut(S2) + adl.pendingHaircut(S3), 0, "shorts untouched");
    }

    function test_tieBreak_bySmallerKey() public {
        bytes32 a = bytes32(uint256(0xA0));
        bytes32 b = bytes32(uint256(0xB0));
        address m2 = address(0xE7);
        adl.setMarket(m2, "BTC", 8);
        // identical ROE (profit 1,000 on margin 1,000); register the larger key first
        adl.updatePosition(m2, b, true, 49_000 * USD, BTC1, 1_000 * USD);
        adl.updatePosition(m2, a, true, 49_000 * USD, BTC1, 1_000 * USD);
        adl.socialize(m2, false, 600 * USD);
        vm.assertEq(adl.pendingHaircut(a), 600 * USD, "smaller key first");
        vm.assertEq(adl.pendingHaircut(b), 0, "larger key untouched");
    }

    function test_stalePrice_recordsWholeShortfall() public {
        vm.warp(block.timestamp + 3601);
        (uint256 s, uint256 r) = adl.socialize(MKT, true, 1_000 * USD);
        vm.assertEq(s, 0, "no capacity without a fresh mark");
        vm.assertEq(r, 1_000 * USD, "recorded, never dropped, never reverts");
    }

    function test_consumeHaircut_clears() public {
        adl.socialize(MKT, true, 1_000 * USD);
        vm.assertEq(adl.consumeHaircut(S2), 1_000 * USD, "consumed");
        vm.assertEq(adl.pendingHaircut(S2), 0, "cleared");
    }

    function test_removedPosition_notCharged() public {
        adl.updatePosition(MKT, S2, false, 0, 0, 0);
        adl.socialize(MKT, true, 1_000 * USD);
        vm.assertEq(adl.pendingHaircut(S2), 0, "closed position not in the ranking");
        vm.assertEq(adl.pendingHaircut(S1), 1_000 * USD, "next ROE charged");
        vm.assertEq(adl.positionCount(MKT, false), 3, "registry shrank");
    }

    function test_onlySocializer_onlyReporter() public {
        vm.prank(address(0xBAD));
        vm.expectRevert(abi.encodeWithSelector(AdlEngine.NotSocializer.selector, address(0xBAD)));
        adl.socialize(MKT, true, 1);
        vm.prank(address(0xBAD));
        vm.expectRevert(abi.encodeWithSelector(AdlEngine.NotReporter.selector, address(0xBAD)));
        adl.updatePosition(MKT, S1, false, 1, 1, 1);
    }

    /// The registry is capped per side, and a full side stays within a block's gas when socialized.
    function test_boundedRegistry_fullSideGas() public {
        address m = address(0xF011);
        adl.setMarket(m, "BTC", 8);
        uint256 cap = adl.MAX_POSITIONS_PER_SIDE();
        for (uint256 i; i < cap; ++i) {
            adl.updatePosition(m, bytes32(0x1000 + i), false, (51_000 + i) * USD, BTC1, (1_000 + i) * USD);
        }
        vm.expectRevert(abi.encodeWithSelector(AdlEngine.RegistryFull.selector, m, false));
        adl.updatePosition(m, bytes32(0x1000 + cap), false, 51_000 * USD, BTC1, 1_000 * USD);
        uint256 g = gasleft();
        (uint256 s, uint256 r) = adl.socialize(m, true, type(uint128).max);
        g -= gasleft();
        vm.assertEq(r, type(uint128).max - s, "rest recorded");
        vm.assertLt(g, 15_000_000, "worst case (full side, every position charged) fits a block");
    }

    /// Conservation and the per-position cap for any shortfall and any mark.
    function testFuzz_socialize_conservesAndCaps(uint256 shortfall, uint256 price) public {
        shortfall = bound(shortfall, 0, 100_000 * USD);
        price = bound(price, 30_000, 70_000);
        oracle.setPrice("BTC", price * 1e8, 8);
        uint256 cap = adl.capacity(MKT, true);
        (uint256 s, uint256 r) = adl.socialize(MKT, true, shortfall);
        vm.assertEq(s + r, shortfall, "socialized + recorded = shortfall");
        vm.assertEq(s, shortfall < cap ? shortfall : cap, "exactly min(shortfall, capacity)");
        bytes32[4] memory shorts = [S1, S2, S3, S4];
        uint256 sum;
        for (uint256 i; i < 4; ++i) {
            vm.assertLe(adl.pendingHaircut(shorts[i]), adl.unrealizedProfit(shorts[i]), "<= unrealized profit");
            sum += adl.pendingHaircut(shorts[i]);
        }
        vm.assertEq(sum, s, "charges sum to the socialized amount");
        vm.assertEq(adl.pendingHaircut(L1), 0, "same side untouched");
    }
}


/// @notice DEBT-2/4/5 end to end: a bankrupt short liquidated by the backstop; the vault's waterfall takes the
/// user's free USDC, then the (capped) insurance fund, then asks the real AdlEngine, which charges the most
/// profitable long by ROE; the winner is paid that much less when it closes.
contract AdlIntegrationTest is LiqFixture {
    address internal erin = address(0xE41);

    function test_e2e_vaultDeficit_socializedOnOppositeSide_byRoe() public {
        _setPrice(40_000);
        _fund(erin, 4_000 * USD);
        _open(perp, erin, true, ONE_BTC, 10); // margin 4,000: at 56,000 profit 16,000, ROE 4
        _setPrice(45_000);
        _fund(carl, 5_499 * USD);
        _fund(dave, 95_000 * USD);
        _open(perp, carl, false, ONE_BTC, 9);
        _open(router, dave, true, ONE_BTC, 1); // margin 45,000: at 56,000 profit 11,000, ROE 0.24
        _setPrice(56_000);
        insurance.setMaxQuantumsInsuranceLost(1_000 * USD); // insurance can cover only 1,000 this block
        uint256 insBefore = insurance.balance();

        ILiquidationEngine.Result memory r = _liquidate(perp, keeper, carl, false, 0);
        vm.assertEq(r.backstopped, ONE_BTC, "backstop at the oracle");
        // d = 56,000 - 56,000 + floor(-5,501 x 560 / 560) = -5,501 is counted against the account's limit; the
        // deficit itself goes down the vault's waterfall, where the fund pays only its 1,000 capacity
        vm.assertEq(r.insuranceLost, 5_501 * USD, "-d counted against the account's limit");
        // Carl's loss 11,000: 5,000 margin forfeited, 499 free USDC, 1,000 insurance (per-block cap), and
        // 4,501 socialized — all on Erin, the highest-ROE long; nothing recorded as shortfall.
        bytes32 erinKey = perp.positionKey(erin, MARKET, true);
        bytes32 daveKey = router.positionKey(dave, MARKET, true);
        vm.assertEq(adlEngine.pendingHaircut(erinKey), 4_501 * USD, "highest ROE long charged");
        vm.assertEq(adlEngine.pendingHaircut(daveKey), 0, "lower ROE long untouched");
        vm.assertEq(adlEngine.totalRecordedShortfall(), 0, "capacity sufficed: no shortfall");
        vm.assertEq(_free(carl) + _locked(carl), 0, "Carl's own assets used first");
        vm.assertEq(insurance.balance() - insBefore, 5_499 * USD, "insurance: +5,000 +499 (+1,000 -1,000 covered)");
        vm.assertEq(r.fee, 0, "nothing left for a fee");

        vm.roll(block.number + 1);
        insurance.setMaxQuantumsInsuranceLost(type(uint256).max);
        _setPrice(56_000);
        vm.prank(erin);
        int256 pnl = perp.closePosition(MARKET, true, 56_000 * USD);
        vm.assertEq(pnl, int256(16_000 * USD) - int256(4_501 * USD), "profit minus the ADL haircut");
        vm.assertEq(_free(erin), 4_000 * USD + 11_499 * USD, "Erin: margin back + reduced profit");
        vm.assertEq(adlEngine.pendingHaircut(erinKey), 0, "haircut consumed");
    }
}

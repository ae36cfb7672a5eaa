// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofTest} from "../utils/Vm.sol";
import {LiquidationMath} from "../../../contracts/libraries/LiquidationMath.sol";

/// @notice LIQ-1..3, 6, 7 on the pure functions the prover extracts (sizing, fee, fillable price, bankruptcy
/// share, insurance delta, fee from the delta, per-fill insurance admission).
contract LiquidationMathTest is VaultproofTest {
    uint256 internal constant PPM = 1_000_000;
    uint256 internal constant MAX = 1e30; // USDC units: far above any real notional

    function test_seed004_cases() public pure {
        // case 1: min(50,000, max(100,000, 500), ∞) = 50,000
        vm.assertEq(LiquidationMath.liquidationNotional(50_000e6, 100_000e6, 10_000, type(uint256).max), 50_000e6, "c1");
        // case 2: min(50,000, max(1,000, 5,000), ∞) = 5,000
        vm.assertEq(LiquidationMath.liquidationNotional(50_000e6, 1_000e6, 100_000, type(uint256).max), 5_000e6, "c2");
        // case 3: min(50,000, max(1,000, 50,000), 5,000) = 5,000
        vm.assertEq(LiquidationMath.liquidationNotional(50_000e6, 1_000e6, PPM, 5_000e6), 5_000e6, "c3");
        vm.assertEq(LiquidationMath.liquidationFee(50_000e6, 5_000, 5_000), 250e6, "fee 0.5%");
        vm.assertEq(LiquidationMath.liquidationFee(50_000e6, 20_000, 5_000), 250e6, "fee capped");
    }

    /// LIQ-1/2: never above the position nor the block remainder; equals the specified formula.
    function testFuzz_liquidationNotional_bounds(uint256 pos, uint256 minN, uint256 ppm, uint256 rem) public pure {
        pos = bound(pos, 0, MAX);
        minN = bound(minN, 0, MAX);
        ppm = bound(ppm, 0, PPM);
        rem = bound(rem, 0, type(uint256).max);
        uint256 n = LiquidationMath.liquidationNotional(pos, minN, ppm, rem);
        vm.assertLe(n, pos, "<= position");
        vm.assertLe(n, rem, "<= block remaining");
        uint256 portion = pos * ppm / PPM;
        uint256 lifted = portion > minN ? portion : minN;
        uint256 expected = lifted < pos ? lifted : pos;
        expected = expected < rem ? expected : rem;
        vm.assertEq(n, expected, "formula");
        // the minimum is honoured unless the position or the block remainder is smaller
        uint256 floor_ = minN < pos ? minN : pos;
        floor_ = floor_ < rem ? floor_ : rem;
        vm.assertGe(n, floor_, ">= min(minNotional, position, remaining)");
        // the portion cap binds only when the minimum lifts it
        if (minN <= portion) vm.assertLe(n, portion, "<= portion when min does not bind");
    }

    /// LIQ-3: fee ≤ MaxLiquidationFeePpm × notional and ≤ feePpm × notional.
    function testFuzz_liquidationFee_capped(uint256 notional, uint256 feePpm, uint256 maxFeePpm) public pure {
        notional = bound(notional, 0, MAX);
        feePpm = bound(feePpm, 0, PPM);
        maxFeePpm = bound(maxFeePpm, 0, PPM);
        uint256 fee = LiquidationMath.liquidationFee(notional, feePpm, maxFeePpm);
        vm.assertLe(fee * PPM, notional * maxFeePpm, "fee <= maxFeePpm x notional");
        vm.assertLe(fee * PPM, notional * feePpm, "fee <= feePpm x notional");
        vm.assertLe(fee, notional, "fee <= notional");
        uint256 rate = feePpm < maxFeePpm ? feePpm : maxFeePpm;
        vm.assertEq(fee, notional * rate / PPM, "formula, rounded down");
    }

    /// Monotone in the block remainder: more room never liquidates less.
    function testFuzz_liquidationNotional_monotoneInRemaining(uint256 pos, uint256 minN, uint256 ppm, uint256 a, uint256 b)
        public
        pure
    {
        pos = bound(pos, 0, MAX);
        minN = bound(minN, 0, MAX);
        ppm = bound(ppm, 0, PPM);
        a = bound(a, 0, MAX);
        b = bound(b, a, MAX);
        vm.assertLe(
            LiquidationMath.liquidationNotional(pos, minN, ppm, a),
            LiquidationMath.liquidationNotional(pos, minN, ppm, b),
            "monotone"
        );
    }

    /// dYdX's worked numbers (BookFills): TNC 499, TMMR 500, ΔMMR 300 → share 299; a short bought at 49,950 for
    /// 0.6 BTC (q 29,970, v 30,000) → d = 329; TNC −5,501, TMMR 560, ΔMMR 280 → share −2,750.5.
    function test_insuranceDelta_worked() public pure {
        vm.assertEq(LiquidationMath.bankruptcyShare(499e18, 300e6, 500e18), 299_400_000, "share 299.4");
        vm.assertEq(LiquidationMath.insuranceDelta(false, 29_970e6, 30_000e6, 499e18, 300e6, 500e18), 329_400_000, "d");
        vm.assertEq(LiquidationMath.bankruptcyShare(-5_501e18, 280e6, 560e18), -2_750_500_000, "share -2,750.5");
        // rounds toward −∞: −7·1/2 = −3.5 → −4 (Solidity's / alone would give −3)
        vm.assertEq(LiquidationMath.bankruptcyShare(-7, 1, 2), -4, "floor");
        vm.assertEq(LiquidationMath.bankruptcyShare(7, 1, 2), 3, "floor (positive)");
        vm.assertEq(LiquidationMath.bankruptcyShare(7, 1, 0), 0, "no margin");
    }

    /// LIQ-6: fee = min(cap, d) for d > 0, 0 otherwise.
    function testFuzz_feeFromDelta(int128 delta, uint128 cap) public pure {
        uint256 fee = LiquidationMath.feeFromDelta(delta, cap);
        vm.assertLe(fee, cap, "<= cap");
        if (delta <= 0) vm.assertEq(fee, 0, "no fee when d <= 0");
        else vm.assertLe(fee, uint256(int256(delta)), "<= d");
    }

    /// LIQ-7: an admitted fill keeps the block total within the limit; a rejected one changes nothing.
    function testFuzz_admitFill(int128 delta, uint128 used, uint128 limit) public pure {
        vm.assume(used <= limit);
        (bool ok, uint256 newUsed) = LiquidationMath.admitFill(delta, used, limit);
        vm.assertLe(newUsed, limit, "within the limit");
        if (!ok) vm.assertEq(newUsed, used, "rejected: unchanged");
        if (delta >= 0) vm.assertTrue(ok && newUsed == used, "no loss: admitted, not counted");
        if (delta < 0 && uint256(-int256(delta)) <= uint256(limit) - used) vm.assertTrue(ok, "fits: admitted");
    }

    /// LIQ-1: a long's fillable price is at or below the oracle, a short's at or above, at most SMMR·PMMR away.
    function testFuzz_fillablePrice_side(uint96 pmmr, uint64 size, uint32 abr, uint32 smmr, uint64 oracle) public pure {
        size = uint64(bound(size, 1, type(uint64).max));
        abr = uint32(bound(abr, 0, PPM));
        smmr = uint32(bound(smmr, 0, PPM));
        uint256 unit = 1e8;
        uint256 gap = uint256(smmr) * pmmr * unit / (PPM * size);
        uint256 lp = LiquidationMath.fillablePrice(true, oracle, abr, smmr, pmmr, size, unit);
        uint256 sp = LiquidationMath.fillablePrice(false, oracle, abr, smmr, pmmr, size, unit);
        vm.assertLe(lp, oracle, "long: <= oracle");
        vm.assertGe(sp, oracle, "short: >= oracle");
        vm.assertLe(sp - oracle, gap, "short: within SMMR x PMMR");
        if (lp > 0) vm.assertLe(oracle - lp, gap, "long: within SMMR x PMMR");
    }

    function test_adjustedBankruptcyRating() public pure {
        vm.assertEq(LiquidationMath.adjustedBankruptcyRating(499e18, 500e18, PPM), 2_000, "1 - 499/500 = 0.2%");
        vm.assertEq(LiquidationMath.adjustedBankruptcyRating(-1e18, 500e18, PPM), PPM, "clamped at 1");
        vm.assertEq(LiquidationMath.adjustedBankruptcyRating(500e18, 500e18, PPM), 0, "healthy: 0");
    }
}

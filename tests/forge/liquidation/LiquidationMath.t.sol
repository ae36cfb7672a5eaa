// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofTest} from "../utils/Vm.sol";
import {LiquidationMath} from "../../../contracts/libraries/LiquidationMath.sol";

/// @notice LIQ-1..3 on the pure sizing/fee functions the prover extracts.
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
}

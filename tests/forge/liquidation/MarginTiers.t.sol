// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofTest} from "../utils/Vm.sol";
import {MarginTable} from "../../../contracts/libraries/MarginTable.sol";
import {TierRows} from "./utils/TierRows.sol";

/// @notice Calls the library through an external frame so `vm.expectRevert` can observe its reverts.
contract MarginTableHarness {
    function validate(MarginTable.Tier[] memory t) external pure {
        MarginTable.validate(t);
    }
}

/// @notice TIER-1 (continuity at every boundary) and TIER-2 (MM non-decreasing, leverage non-increasing).
contract MarginTiersTest is VaultproofTest {
    uint256 internal constant USD = 1e6;
    MarginTableHarness internal h = new MarginTableHarness();

    /// @dev 50x → 20x at $1M → 10x at $5M → 5x at $20M → 3x at $50M, deductions from `deductionFor`.
    function _table() internal pure returns (MarginTable.Tier[] memory t) {
        t = new MarginTable.Tier[](5);
        TierRows.fillFirstFour(t);
        t[4] = MarginTable.Tier(50_000_000 * USD, 3, 0);
        for (uint256 i; i < t.length; ++i) {
            t[i].maintenanceDeduction = MarginTable.deductionFor(t, i);
        }
    }

    function _scaled(MarginTable.Tier[] memory t, uint256 i, uint256 n) internal pure returns (uint256) {
        return n * (MarginTable.SCALE / (2 * t[i].maxLeverage)) - t[i].maintenanceDeduction;
    }

    function test_table_isValid() public view {
        h.validate(_table());
    }

    function test_deduction_matchesHyperliquidFormula() public pure {
        MarginTable.Tier[] memory t = _table();
        // d_1 = 1,000,000 × (1/40 − 1/100) = 15,000 USD
        vm.assertEq(t[1].maintenanceDeduction, 15_000 * USD * MarginTable.SCALE, "d1 = 15,000");
        // d_2 = 15,000 + 5,000,000 × (1/20 − 1/40) = 140,000
        vm.assertEq(t[2].maintenanceDeduction, 140_000 * USD * MarginTable.SCALE, "d2 = 140,000");
        // d_3 = 140,000 + 20,000,000 × (1/10 − 1/20) = 1,140,000
        vm.assertEq(t[3].maintenanceDeduction, 1_140_000 * USD * MarginTable.SCALE, "d3 = 1,140,000");
        // d_4 = 1,140,000 + 50,000,000 × (1/6 − 1/10) = 1,140,000 + 3,333,333.33… (exact in scaled units)
        vm.assertEq(
            t[4].maintenanceDeduction,
            1_140_000 * USD * MarginTable.SCALE + 50_000_000 * USD * (MarginTable.SCALE / 6 - MarginTable.SCALE / 10),
            "d4 exact"
        );
        vm.assertEq(MarginTable.maintenanceMargin(t, 50_000 * USD), 500 * USD, "1% of 50,000");
        vm.assertEq(MarginTable.maintenanceMargin(t, 2_000_000 * USD), 35_000 * USD, "2M/40 - 15,000");
    }

    /// TIER-1: at every boundary both neighbouring formulas give the SAME scaled value (exact continuity), so
    /// the rounded-up margin steps by at most one unit across it, like anywhere inside a tier.
    function test_continuity_atEveryBoundary() public pure {
        MarginTable.Tier[] memory t = _table();
        for (uint256 i = 1; i < t.length; ++i) {
            uint256 b = t[i].lowerBound;
            vm.assertEq(_scaled(t, i - 1, b), _scaled(t, i, b), "scaled MM continuous at boundary");
            uint256 below = MarginTable.maintenanceMargin(t, b - 1);
            uint256 at = MarginTable.maintenanceMargin(t, b);
            vm.assertLe(below, at, "no drop at boundary");
            vm.assertLe(at - below, 1, "no jump at boundary");
        }
    }

    function test_leverage_nonIncreasing_enforced() public {
        MarginTable.Tier[] memory t = _table();
        t[2].maxLeverage = 25; // 20x → 25x: increasing
        vm.expectRevert(abi.encodeWithSelector(MarginTable.LeverageIncreasing.selector, 2));
        h.validate(t);
    }

    function test_validate_rejectsBadTables() public {
        MarginTable.Tier[] memory t = _table();
        t[0].lowerBound = 1;
        vm.expectRevert(abi.encodeWithSelector(MarginTable.FirstTierNotZero.selector, 1));
        h.validate(t);

        t = _table();
        t[3].maintenanceDeduction += 1; // would break continuity
        vm.expectRevert(
            abi.encodeWithSelector(
                MarginTable.DeductionMismatch.selector, 3, t[3].maintenanceDeduction - 1, t[3].maintenanceDeduction
            )
        );
        h.validate(t);

        t = _table();
        t[2].lowerBound = t[1].lowerBound;
        vm.expectRevert(abi.encodeWithSelector(MarginTable.LowerBoundsNotIncreasing.selector, 2));
        h.validate(t);

        t = new MarginTable.Tier[](1);
        t[0] = MarginTable.Tier(0, 17, 0); // 2·17 does not divide SCALE: the margin would not be exact
        vm.expectRevert(abi.encodeWithSelector(MarginTable.InvalidLeverage.selector, 0, 17));
        h.validate(t);

        vm.expectRevert(MarginTable.EmptyTable.selector);
        h.validate(new MarginTable.Tier[](0));
    }

    /// TIER-2: MM is non-decreasing in notional.
    function testFuzz_mm_nonDecreasing(uint256 a, uint256 d) public pure {
        MarginTable.Tier[] memory t = _table();
        a = bound(a, 0, 200_000_000 * USD);
        d = bound(d, 0, 100_000_000 * USD);
        vm.assertLe(MarginTable.maintenanceMargin(t, a), MarginTable.maintenanceMargin(t, a + d), "MM monotone");
    }

    /// MM = ceil((n·k_t − D_t)/SCALE): never below the exact rational value, never more than one unit above,
    /// and never above n/(2·L_t) (the deduction only lowers it).
    function testFuzz_mm_roundsUpWithinOneUnit(uint256 n) public pure {
        MarginTable.Tier[] memory t = _table();
        n = bound(n, 0, 500_000_000 * USD);
        uint256 i = MarginTable.tierIndex(t, n);
        vm.assertGe(n, t[i].lowerBound, "tier contains n");
        if (i + 1 < t.length) vm.assertLt(n, t[i + 1].lowerBound, "next tier starts above n");
        uint256 s = _scaled(t, i, n);
        uint256 mm = MarginTable.maintenanceMargin(t, n);
        vm.assertGe(mm * MarginTable.SCALE, s, "rounded up (protocol's favour)");
        vm.assertLt(mm * MarginTable.SCALE, s + MarginTable.SCALE, "by less than one unit");
        vm.assertLe(mm, (n + 2 * t[i].maxLeverage - 1) / (2 * t[i].maxLeverage), "<= n/(2L) rounded up");
    }

    /// TIER-1 for arbitrary valid tables: random bounds and non-increasing admissible leverages.
    function testFuzz_continuity_randomTable(uint256 seed) public pure {
        uint256[8] memory levs = [uint256(100), 50, 40, 25, 20, 10, 5, 2];
        uint256 n = 2 + seed % 4;
        MarginTable.Tier[] memory t = new MarginTable.Tier[](n);
        uint256 lb;
        uint256 li = seed % 3;
        for (uint256 i; i < n; ++i) {
            if (i > 0) {
                lb += 1 + uint256(keccak256(abi.encode(seed, i))) % (10_000_000 * USD);
                li += 1 + uint256(keccak256(abi.encode(seed, i, "l"))) % 2;
                if (li > 7) li = 7;
            }
            t[i] = MarginTable.Tier(lb, levs[li], 0);
        }
        for (uint256 i; i < n; ++i) {
            t[i].maintenanceDeduction = MarginTable.deductionFor(t, i);
        }
        MarginTable.validate(t);
        for (uint256 i = 1; i < n; ++i) {
            uint256 b = t[i].lowerBound;
            vm.assertEq(_scaled(t, i - 1, b), _scaled(t, i, b), "continuous");
            vm.assertLe(t[i].maxLeverage, t[i - 1].maxLeverage, "leverage non-increasing");
            vm.assertLe(
                MarginTable.maintenanceMargin(t, b - 1), MarginTable.maintenanceMargin(t, b), "non-decreasing"
            );
        }
    }
}

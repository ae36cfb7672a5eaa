// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title MarginTable — tiered maintenance margin (Hyperliquid rule), exact integer form
/// @notice maintenanceMargin(n) = n / (2 · L_t) − d_t for the tier t containing notional n, with the
/// deduction d_t chosen so the function is continuous at every tier boundary:
///     d_0 = 0,   d_i = d_{i−1} + lowerBound_i · (1/(2·L_i) − 1/(2·L_{i−1})).
///
/// Integer scheme (why it is exact): every quantity is carried in "scaled USDC" = USDC units × SCALE,
/// where SCALE is divisible by 2·L for every admissible max leverage L (`validate` enforces it). Then
/// the per-tier slope k_t = SCALE / (2·L_t) is an integer, the scaled deduction
///     D_i = D_{i−1} + lowerBound_i · (k_i − k_{i−1})
/// is an exact integer, and the scaled margin n·k_t − D_t is continuous at every boundary EXACTLY
/// (at n = lowerBound_i both sides equal lowerBound_i·k_{i−1} − D_{i−1}). The only rounding is the final
/// division by SCALE, which rounds UP: the maintenance margin is never under-stated (protocol's favour),
/// and ceil preserves both continuity of the scaled function and monotonicity.
///
/// Units: `lowerBound` and the returned margin are USDC units (6 dp); `maxLeverage` is an integer
/// multiple (e.g. 50 = 50x); `maintenanceDeduction` is stored SCALED (USDC units × SCALE).
library MarginTable {
    struct Tier {
        uint256 lowerBound; // USDC units; tiers[0].lowerBound == 0, strictly increasing
        uint256 maxLeverage; // integer leverage, ≥ 1, non-increasing by tier, 2·maxLeverage | SCALE
        uint256 maintenanceDeduction; // scaled deduction D_i (USDC units × SCALE), == deductionFor(tiers, i)
    }

    /// @dev 720_720 = lcm(1..16); × 1e6 adds 2^6·5^6, so 2·L | SCALE for L ∈ {1..16, 18, 20, 22, 24, 25,
    /// 26, 28, 30, 35, 40, 50, 75, 100, 125, 200, ...}. Any other leverage is rejected by `validate`.
    uint256 internal constant SCALE = 720_720_000_000;
    /// @dev Bound on the tier loop (DESIGN: bounded loops; Rule 8).
    uint256 internal constant MAX_TIERS = 16;

    error EmptyTable();
    error TooManyTiers(uint256 count);
    error FirstTierNotZero(uint256 lowerBound);
    error LowerBoundsNotIncreasing(uint256 index);
    error LeverageIncreasing(uint256 index);
    error InvalidLeverage(uint256 index, uint256 maxLeverage);
    error DeductionMismatch(uint256 index, uint256 expected, uint256 actual);

    /// @notice Index of the tier containing `notional`: the last tier with lowerBound ≤ notional.
    function tierIndex(Tier[] memory tiers, uint256 notional) internal pure returns (uint256 t) {
        uint256 n = tiers.length;
        for (uint256 i = 1; i < n; ++i) {
            if (tiers[i].lowerBound > notional) break;
            t = i;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Per-tier arithmetic over scalars. Loop-free and `internal pure`, so the prover extracts them from
    // SlithIR and proves them equal to the models (SPEC §4.4); the table functions below only loop.

    /// @notice True iff `maxLeverage` is admissible: ≥ 1 and 2·maxLeverage divides SCALE (so `slope` is
    /// exact). Written with an early return rather than `||` so that the zero case never divides.
    function validLeverage(uint256 maxLeverage) internal pure returns (bool) {
        if (maxLeverage == 0) return false;
        return SCALE % (2 * maxLeverage) == 0;
    }

    /// @notice Scaled slope k = SCALE / (2·maxLeverage) of a tier (exact for a valid leverage).
    function slope(uint256 maxLeverage) internal pure returns (uint256) {
        // Exact: validLeverage guarantees 2·maxLeverage divides SCALE, so dividing first loses nothing.
        // slither-disable-next-line divide-before-multiply
        return SCALE / (2 * maxLeverage);
    }

    /// @notice D_i = D_{i−1} + lowerBound_i·(k_i − k_{i−1}): the deduction that makes tier i's scaled
    /// margin equal tier i−1's at lowerBound_i (continuity).
    function nextDeduction(uint256 prevDeduction, uint256 lowerBound, uint256 prevLeverage, uint256 leverage)
        internal
        pure
        returns (uint256)
    {
        // k_i ≥ k_{i−1} because maxLeverage is non-increasing (validated), so no underflow.
        return prevDeduction + lowerBound * (slope(leverage) - slope(prevLeverage));
    }

    /// @notice Maintenance margin of one tier in USDC units: ceil((notional·k − deduction) / SCALE).
    function tierMaintenance(uint256 notional, uint256 leverage, uint256 deduction) internal pure returns (uint256) {
        // No underflow: for n ≥ lowerBound_t, n·k_t − D_t ≥ lowerBound_t·k_{t−1} − D_{t−1} ≥ … ≥ 0.
        uint256 scaled = notional * slope(leverage) - deduction;
        // Rounded UP: the maintenance margin is never under-stated.
        return (scaled + SCALE - 1) / SCALE;
    }

    // ---------------------------------------------------------------------------------------------
    // Table functions (loops over at most MAX_TIERS tiers)

    /// @notice Maintenance margin in USDC units, rounded UP. Assumes `validate(tiers)` passed.
    function maintenanceMargin(Tier[] memory tiers, uint256 notional) internal pure returns (uint256) {
        uint256 t = tierIndex(tiers, notional);
        return tierMaintenance(notional, tiers[t].maxLeverage, tiers[t].maintenanceDeduction);
    }

    /// @notice Scaled deduction D_index (USDC units × SCALE) making the margin continuous; D_0 = 0.
    function deductionFor(Tier[] memory tiers, uint256 index) internal pure returns (uint256 d) {
        for (uint256 i = 1; i <= index; ++i) {
            d = nextDeduction(d, tiers[i].lowerBound, tiers[i - 1].maxLeverage, tiers[i].maxLeverage);
        }
    }

    /// @notice Reverts unless the table is well formed: 1..MAX_TIERS tiers, first lower bound 0, strictly
    /// increasing lower bounds, leverage ≥ 1 with 2·L | SCALE, leverage non-increasing, and every stored
    /// deduction equal to `deductionFor` (so continuity holds for the stored table, not only in theory).
    function validate(Tier[] memory tiers) internal pure {
        uint256 n = tiers.length;
        if (n == 0) revert EmptyTable();
        if (n > MAX_TIERS) revert TooManyTiers(n);
        if (tiers[0].lowerBound != 0) revert FirstTierNotZero(tiers[0].lowerBound);
        uint256 d = 0;
        for (uint256 i; i < n; ++i) {
            uint256 lev = tiers[i].maxLeverage;
            if (!validLeverage(lev)) revert InvalidLeverage(i, lev);
            if (i > 0) {
                if (tiers[i].lowerBound <= tiers[i - 1].lowerBound) revert LowerBoundsNotIncreasing(i);
                if (lev > tiers[i - 1].maxLeverage) revert LeverageIncreasing(i);
                d = nextDeduction(d, tiers[i].lowerBound, tiers[i - 1].maxLeverage, lev);
            }
            if (tiers[i].maintenanceDeduction != d) revert DeductionMismatch(i, d, tiers[i].maintenanceDeduction);
        }
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title LiquidationMath — liquidation sizing and fee (LIQ-1..3), pure so the prover can extract it
/// @notice Units: notionals and fees in USDC units (6 dp); portions and fee rates in ppm (1e6).
library LiquidationMath {
    uint256 internal constant PPM = 1_000_000;

    /// @notice Notional to liquidate this call:
    ///   min(positionNotional, max(minNotional, positionNotional·maxPortionPpm/PPM), blockRemainingNotional)
    /// @dev The portion rounds DOWN; `minNotional` lifts small portions (a position below the minimum is
    /// closed entirely, seed 004 case 1); the result never exceeds the position (LIQ-1) nor what the
    /// account may still lose this block (LIQ-2).
    function liquidationNotional(
        uint256 positionNotional,
        uint256 minNotional,
        uint256 maxPortionPpm,
        uint256 blockRemainingNotional
    ) internal pure returns (uint256) {
        uint256 portion = positionNotional * maxPortionPpm / PPM;
        uint256 n = portion > minNotional ? portion : minNotional;
        if (n > positionNotional) n = positionNotional;
        if (n > blockRemainingNotional) n = blockRemainingNotional;
        return n;
    }

    /// @notice Fee = notional · min(feePpm, maxFeePpm) / PPM, rounded DOWN, so fee ≤ maxFeePpm·notional/PPM (LIQ-3).
    function liquidationFee(uint256 notional, uint256 feePpm, uint256 maxFeePpm) internal pure returns (uint256) {
        uint256 rate = feePpm < maxFeePpm ? feePpm : maxFeePpm;
        return notional * rate / PPM;
    }
}

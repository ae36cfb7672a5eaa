// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The push surface the QuantumRiskEngine exposes to reporters (it stores per-user margins and PnL
/// and values collateral itself). Matches `QuantumRiskEngine.reportMargins` / `reportPnl` / `pendingFees18`.
interface IQuantumRiskReporting {
    function reportMargins(address user, uint256 im18, uint256 mm18) external;
    function reportPnl(address user, int256 pnl18, uint256 fees18) external;
    function pendingFees18(address user) external view returns (uint256);
}

/// @notice Re-prices a user's perp risk from every registered arch (`IPerpRiskSource`) and pushes it to the
/// QRE. Implemented by the LiquidationEngine; the arches call it after every position change.
interface IRiskSync {
    function syncRisk(address user) external;
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Pull hook for the QuantumRiskEngine: a settlement arch reports a user's perp risk at the current
/// mark price, so QRE equity (Σ collateral + unrealized PnL) and maintenance margin stay live without the
/// arch pushing stale numbers. All values in USDC units (6 dp); QRE scales them to 18 dp.
interface IPerpRiskSource {
    /// @return unrealizedPnl Σ over the user's open positions of (mark − entry)·size (sign by side)
    /// @return maintenanceMargin Σ MarginTable.maintenanceMargin(tiers, |size|·mark)
    /// @return initialMargin Σ allocated initial margin
    function accountRisk(address user)
        external
        view
        returns (int256 unrealizedPnl, uint256 maintenanceMargin, uint256 initialMargin);
}

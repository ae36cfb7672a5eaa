// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Non-custodial multi-asset risk engine: values a user's basket, never moves tokens.
interface IQuantumRiskEngine {
    struct CollateralConfig {
        bool enabled;
        uint8 decimals;
        uint16 initialWeightBps; // ≤ maintenanceWeightBps ≤ 10_000
        uint16 maintenanceWeightBps;
        uint16 liqFactorBps; // spot sale floor = oracle × liqFactorBps / 1e4
        bytes32 priceSymbol;
        uint256 assetCap; // max total units accepted as collateral across users
        uint256 userCap; // max units per user that count
        uint256 maxNotionalUsd18; // size-scaling: value above this is de-weighted
    }

    function getEnabledCollaterals() external view returns (address[] memory);
    function isCollateralEnabled(address token) external view returns (bool);
    function getCollateralConfig(address token) external view returns (CollateralConfig memory);
    function getCollateralPriceSymbol(address token) external view returns (bytes32);

    function equity18(address user) external view returns (int256);
    function initialMargin18(address user) external view returns (uint256);
    function maintenanceMargin18(address user) external view returns (uint256);
    function isLiquidatable(address user) external view returns (bool);
    /// @dev Withdraw gate: true iff equity after removing `amount` of `token` still covers initial margin.
    function canWithdraw(address user, address token, uint256 amount) external view returns (bool);
}

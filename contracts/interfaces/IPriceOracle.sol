// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Prices by symbol with timestamps. A price older than `maxStaleness` is stale.
interface IPriceOracle {
    error StalePrice(bytes32 symbol, uint256 updatedAt);
    error UnknownSymbol(bytes32 symbol);

    function setPrice(bytes32 symbol, uint256 price, uint8 decimals) external;
    /// @return price raw price, decimals its decimals, updatedAt timestamp of the last update
    function getPrice(bytes32 symbol) external view returns (uint256 price, uint8 decimals, uint256 updatedAt);
    /// @dev Never reverts: `fresh` is false for a stale or unknown symbol (callers skip, never brick).
    function tryGetFreshPrice(bytes32 symbol) external view returns (bool fresh, uint256 price, uint8 decimals);
    function maxStaleness() external view returns (uint256);
}

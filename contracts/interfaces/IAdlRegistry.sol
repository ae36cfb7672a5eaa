// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Position feed into the AdlEngine, written by the settlement arches (authorized reporters).
interface IAdlRegistry {
    /// @dev size == 0 removes the position from the registry.
    function updatePosition(
        address market,
        bytes32 posKey,
        bool isLong,
        uint256 entryPrice,
        uint256 size,
        uint256 margin
    ) external;
    /// @dev Returns and clears the ADL haircut (USDC units) charged to `posKey`; the arch deducts it from the
    /// realised PnL when the position next settles.
    function consumeHaircut(bytes32 posKey) external returns (uint256 amount);
    function pendingHaircut(bytes32 posKey) external view returns (uint256);
}

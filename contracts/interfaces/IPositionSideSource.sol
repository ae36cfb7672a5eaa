// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Implemented by settlement routers (PerpEngine, CLOBPerpetualRouter) so the vault can tell the ADL
/// engine which side a position in deficit was on. The vault's callback ABI carries no side, and the
/// vault never guesses one: if the router cannot answer, the residual is recorded as shortfall instead.
/// @dev Must answer for `posKey` while the router's release callback is running (before it deletes the
/// position).
interface IPositionSideSource {
    function isLongPosition(bytes32 posKey) external view returns (bool isLong);
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Optional callback a maker registers on an OrderBook; called after each fill of its order is settled.
/// @dev Exists so the suites can put a hostile contract on the far side of a liquidation sale (Stage 5
/// "malicious maker hook"). A hook may revert, which reverts that market order.
interface IMakerHook {
    function onFill(uint256 orderId, address maker, bool makerIsBid, uint256 baseQty, uint256 quoteQty) external;
}

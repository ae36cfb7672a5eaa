// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Spot CLOB for one (base, quote=USDC) pool. Prices are quote units per 1 whole base token,
/// with the quote's decimals (USDC 6). Market orders walk price levels best-first.
interface IOrderBook {
    enum Side {
        BUY,
        SELL
    }

    error NotAuthorizedRouter(address caller);

    /// @notice Pre-simulation: what a market SELL of `baseQty` would fill and receive, walking only levels with
    /// price ≥ `minPrice` (0 = no floor). Pure read; never reverts for an empty book.
    function calculateOrderAmounts(uint256 baseQty, Side side, uint256 minPrice)
        external
        view
        returns (uint256 filledBase, uint256 quoteAmount);

    /// @notice Executes a market order for `user` through the BalanceManager; only authorized routers.
    /// Fills at levels ≥ `minPrice` (SELL) and stops at the first level below it.
    function placeMarketOrder(address user, uint256 baseQty, Side side, uint256 minPrice)
        external
        returns (uint256 filledBase, uint256 quoteAmount);

    function baseToken() external view returns (address);
    function quoteToken() external view returns (address);
}

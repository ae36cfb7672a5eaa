// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The venue's perp book for one (arch, market): resting REDUCE-ONLY maker orders, price-time
/// priority, taken only by the LiquidationEngine (the `matcher`). A bid buys (reduces the maker's short), an
/// ask sells (reduces the maker's long); prices in USDC units per whole base token, sizes in base units.
interface IPerpOrderBook {
    error InvalidOrder();
    error NotMaker(uint256 orderId, address caller);
    error NotMatcher(address caller);
    error NotReduceOnly(uint256 size, uint256 positionSize);
    error TooManyPriceLevels();
    error LevelFull(uint256 price);

    event OrderPlaced(uint256 indexed orderId, address indexed maker, bool isBid, uint256 price, uint256 size);
    event OrderCancelled(uint256 indexed orderId, address indexed maker);
    event OrderFilled(uint256 indexed orderId, address indexed maker, uint256 size, uint256 remaining);

    struct Order {
        address maker;
        bool isBid;
        uint128 price;
        uint128 remaining;
    }

    function arch() external view returns (address);
    function market() external view returns (address);
    function matcher() external view returns (address);

    function placeOrder(bool isBid, uint256 price, uint256 size) external returns (uint256 orderId);
    function cancelOrder(uint256 orderId) external;

    /// @notice The order with priority on a side (best price, then oldest); id 0 when the side is empty.
    function best(bool bids) external view returns (uint256 orderId, Order memory order);

    /// @notice Matcher only: `size` of `orderId` was filled (the order leaves the book when nothing remains).
    function fill(uint256 orderId, uint256 size) external;

    /// @notice Matcher only: removes an order that can no longer reduce its maker's position.
    function expire(uint256 orderId) external;

    function getOrder(uint256 orderId) external view returns (Order memory);
    function priceLevels(bool bids) external view returns (uint256[] memory);
}

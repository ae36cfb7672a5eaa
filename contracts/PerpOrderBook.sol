// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IPerpOrderBook} from "./interfaces/IPerpOrderBook.sol";
import {IPerpEngine} from "./interfaces/IPerpEngine.sol";

/// @title PerpOrderBook — the venue's perp book for one (arch, market), the liquidity liquidations match against
/// @notice Makers rest REDUCE-ONLY limit orders against their own opposite position on the arch (seed 004: "Dave
/// sells 1 BTC at 50,000" closes Dave's long): a bid reduces the maker's short, an ask the maker's long. The
/// LiquidationEngine takes them in price-time priority (best price first, FIFO within a price) and settles
/// each fill through the arch's `onPositionLiquidated`, i.e. through the same vault callbacks as every other
/// close (ST-8). The book moves no funds: an order is a promise to close at a price, checked again at fill
/// time (the engine caps a fill at the maker's position and expires an order whose position is gone).
/// @dev Bounded by constants: at most MAX_PRICE_LEVELS prices per side and MAX_ORDERS_PER_LEVEL orders per
/// price; queues and price lists are compacted on removal, so `best` is O(1) and never skips dead entries.
contract PerpOrderBook is IPerpOrderBook, ReentrancyGuard {
    uint256 public constant MAX_PRICE_LEVELS = 32;
    uint256 public constant MAX_ORDERS_PER_LEVEL = 16;

    address public immutable arch;
    address public immutable market;
    address public immutable matcher;

    mapping(uint256 orderId => Order) internal _orders;
    uint256 public nextOrderId = 1;
    mapping(uint256 price => uint256[]) internal _bidQueue;
    mapping(uint256 price => uint256[]) internal _askQueue;
    uint256[] internal _bidPrices; // best (highest) first
    uint256[] internal _askPrices; // best (lowest) first

    modifier onlyMatcher() {
        if (msg.sender != matcher) revert NotMatcher(msg.sender);
        _;
    }

    constructor(address arch_, address market_, address matcher_) {
        if (arch_ == address(0) || market_ == address(0) || matcher_ == address(0)) revert InvalidOrder();
        arch = arch_;
        market = market_;
        matcher = matcher_;
    }

    // ───────────────────────────── makers ─────────────────────────────

    /// @inheritdoc IPerpOrderBook
    function placeOrder(bool isBid, uint256 price, uint256 size) external nonReentrant returns (uint256 orderId) {
        if (price == 0 || size == 0 || price > type(uint128).max || size > type(uint128).max) revert InvalidOrder();
        IPerpEngine a = IPerpEngine(arch);
        // a bid buys back the maker's short; an ask sells the maker's long
        uint256 pos = a.getPosition(a.positionKey(msg.sender, market, !isBid)).size;
        if (size > pos) revert NotReduceOnly(size, pos);
        uint256[] storage queue = isBid ? _bidQueue[price] : _askQueue[price];
        if (queue.length >= MAX_ORDERS_PER_LEVEL) revert LevelFull(price);
        if (queue.length == 0) _insertPrice(isBid, price);
        orderId = nextOrderId++;
        // forge-lint: disable-next-line(unsafe-typecast) -- both bounded by the uint128 check above
        _orders[orderId] = Order(msg.sender, isBid, uint128(price), uint128(size));
        queue.push(orderId);
        emit OrderPlaced(orderId, msg.sender, isBid, price, size);
    }

    /// @inheritdoc IPerpOrderBook
    function cancelOrder(uint256 orderId) external nonReentrant {
        Order memory o = _orders[orderId];
        if (o.maker != msg.sender || o.remaining == 0) revert NotMaker(orderId, msg.sender);
        _remove(orderId, o);
        emit OrderCancelled(orderId, msg.sender);
    }

    // ───────────────────────────── matcher ─────────────────────────────

    /// @inheritdoc IPerpOrderBook
    function fill(uint256 orderId, uint256 size) external onlyMatcher {
        Order storage o = _orders[orderId];
        uint256 remaining = o.remaining;
        if (size == 0 || size > remaining) revert InvalidOrder();
        remaining -= size;
        // forge-lint: disable-next-line(unsafe-typecast) -- remaining ≤ the stored uint128
        o.remaining = uint128(remaining);
        emit OrderFilled(orderId, o.maker, size, remaining);
        if (remaining == 0) _remove(orderId, o);
    }

    /// @inheritdoc IPerpOrderBook
    function expire(uint256 orderId) external onlyMatcher {
        Order memory o = _orders[orderId];
        if (o.remaining == 0) revert InvalidOrder();
        _remove(orderId, o);
        emit OrderCancelled(orderId, o.maker);
    }

    // ───────────────────────────── views ─────────────────────────────

    /// @inheritdoc IPerpOrderBook
    function best(bool bids) external view returns (uint256 orderId, Order memory order) {
        uint256[] storage prices = bids ? _bidPrices : _askPrices;
        if (prices.length == 0) return (0, order);
        orderId = (bids ? _bidQueue[prices[0]] : _askQueue[prices[0]])[0];
        order = _orders[orderId];
    }

    function getOrder(uint256 orderId) external view returns (Order memory) {
        return _orders[orderId];
    }

    function priceLevels(bool bids) external view returns (uint256[] memory) {
        return bids ? _bidPrices : _askPrices;
    }

    // ───────────────────────────── internals ─────────────────────────────

    /// @dev Takes the order out of its FIFO queue (order kept) and drops the price when the queue empties.
    function _remove(uint256 orderId, Order memory o) internal {
        _orders[orderId].remaining = 0;
        uint256 price = o.price;
        uint256[] storage queue = o.isBid ? _bidQueue[price] : _askQueue[price];
        uint256 n = queue.length; // ≤ MAX_ORDERS_PER_LEVEL
        uint256 pos;
        while (pos < n && queue[pos] != orderId) ++pos;
        if (pos == n) return;
        for (uint256 k = pos; k + 1 < n; ++k) {
            queue[k] = queue[k + 1];
        }
        queue.pop();
        if (n == 1) _removePrice(o.isBid, price);
    }

    function _insertPrice(bool isBid, uint256 price) internal {
        uint256[] storage prices = isBid ? _bidPrices : _askPrices;
        uint256 n = prices.length;
        if (n >= MAX_PRICE_LEVELS) revert TooManyPriceLevels();
        uint256 pos;
        while (pos < n && (isBid ? prices[pos] > price : prices[pos] < price)) ++pos;
        prices.push(price);
        for (uint256 k = n; k > pos; --k) {
            prices[k] = prices[k - 1];
        }
        prices[pos] = price;
    }

    function _removePrice(bool isBid, uint256 price) internal {
        uint256[] storage prices = isBid ? _bidPrices : _askPrices;
        uint256 n = prices.length; // ≤ MAX_PRICE_LEVELS
        uint256 pos;
        while (pos < n && prices[pos] != price) ++pos;
        if (pos == n) return;
        for (uint256 k = pos; k + 1 < n; ++k) {
            prices[k] = prices[k + 1];
        }
        prices.pop();
    }
}

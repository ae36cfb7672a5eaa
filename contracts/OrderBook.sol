// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IOrderBook} from "./interfaces/IOrderBook.sol";
import {IBalanceManager} from "./interfaces/IBalanceManager.sol";
import {IPoolManager} from "./interfaces/IPoolManager.sol";
import {IMakerHook} from "./interfaces/IMakerHook.sol";

/// @title OrderBook — spot central limit order book for one (base, USDC) pool.
/// @notice Makers rest limit orders whose funds are locked in the BalanceManager with this book as locker.
/// Authorised routers (the vault's Stage 5 conversion, trading routers) send market orders that walk
/// price levels best-first, FIFO within a level. Prices are quote units (USDC, 6 dp) per whole base
/// token; quote = baseQty × price / 10**baseDecimals.
/// @dev Every walk is bounded: at most MAX_LEVELS_PER_ORDER price levels and MAX_ORDER_VISITS resting
/// orders (filled or skipped) per market order, and at most MAX_PRICE_LEVELS levels per side.
/// `calculateOrderAmounts` runs the same walk without writes, so it predicts `placeMarketOrder` exactly
/// for the same state. Rounding: a taker SELL receives floor(qty × price / unit); a taker BUY pays
/// ceil(qty × price / unit) — the resting maker is never paid less than its price.
contract OrderBook is IOrderBook, ReentrancyGuardTransient {
    uint256 public constant MAX_PRICE_LEVELS = 64;
    uint256 public constant MAX_LEVELS_PER_ORDER = 16;
    uint256 public constant MAX_ORDER_VISITS = 64;
    /// @notice Gas forwarded to a maker's fill hook: room for real work (even calls back into the venue),
    /// bounded so that a hook cannot consume the taker's gas.
    uint256 public constant MAKER_HOOK_GAS = 500_000;

    error InvalidOrder();
    error NotMaker(uint256 orderId, address caller);
    error OrderNotLive(uint256 orderId);
    error TooManyPriceLevels();

    event OrderPlaced(
        uint256 indexed orderId, address indexed maker, bool isBid, uint256 price, uint256 baseQty, uint256 locked
    );
    event OrderCancelled(uint256 indexed orderId, address indexed maker, uint256 refunded);
    event OrderFilled(
        uint256 indexed orderId,
        address indexed maker,
        address indexed taker,
        bool makerIsBid,
        uint256 price,
        uint256 baseQty,
        uint256 quoteQty
    );
    event MakerHookSet(address indexed maker, address hook);
    event MakerHookFailed(address indexed maker, address hook);

    struct Order {
        address maker;
        bool isBid;
        uint128 price;
        uint128 remainingBase;
        uint256 lockedRemaining; // quote for bids, base for asks
    }

    struct Level {
        uint256[] ids; // FIFO queue; entries before `head` are consumed
        uint256 head;
        uint256 live; // resting orders with remainingBase > 0
    }

    /// @dev One settled fill whose maker hook is called after the whole walk (CEI).
    struct Fill {
        uint256 orderId;
        address maker;
        uint256 baseQty;
        uint256 quoteQty;
    }

    /// @dev Running state of one market order.
    struct Walk {
        address user;
        bool takerSells;
        uint256 remaining;
        uint256 visits;
        uint256 nFills;
        uint256 filledBase;
        uint256 quoteAmount;
    }

    IBalanceManager public immutable balanceManager;
    IPoolManager public immutable poolManager;
    address public immutable baseToken;
    address public immutable quoteToken;
    uint8 public immutable baseDecimals;
    uint256 private immutable _baseUnit;

    mapping(uint256 orderId => Order) public orders;
    uint256 public nextOrderId = 1;
    mapping(address maker => address hook) public makerHook;

    mapping(uint256 price => Level) private _bidLevels;
    mapping(uint256 price => Level) private _askLevels;
    uint256[] private _bidPrices; // best (highest) first
    uint256[] private _askPrices; // best (lowest) first

    constructor(address base, address quote, address balanceManager_, address poolManager_) {
        if (base == address(0) || quote == address(0) || balanceManager_ == address(0)) revert InvalidOrder();
        baseToken = base;
        quoteToken = quote;
        balanceManager = IBalanceManager(balanceManager_);
        poolManager = IPoolManager(poolManager_);
        uint8 dec = IERC20Metadata(base).decimals();
        if (dec > 18) revert InvalidOrder();
        baseDecimals = dec;
        _baseUnit = 10 ** dec;
    }

    // ---------------------------------------------------------------- makers

    /// @notice Registers (or clears, with address(0)) a contract called after each fill of the caller's orders.
    function setMakerHook(address hook) external {
        makerHook[msg.sender] = hook;
        emit MakerHookSet(msg.sender, hook);
    }

    function placeLimitOrder(Side side, uint256 price, uint256 baseQty) external nonReentrant returns (uint256 id) {
        if (price == 0 || baseQty == 0 || price > type(uint128).max || baseQty > type(uint128).max) {
            revert InvalidOrder();
        }
        bool isBid = side == Side.BUY;
        uint256 lockAmount = isBid ? _ceilDiv(baseQty * price, _baseUnit) : baseQty;

        id = nextOrderId++;
        orders[id] = Order(msg.sender, isBid, uint128(price), uint128(baseQty), lockAmount);
        Level storage level = isBid ? _bidLevels[price] : _askLevels[price];
        if (level.live == 0) _insertPrice(isBid, price);
        level.ids.push(id);
        level.live += 1;
        emit OrderPlaced(id, msg.sender, isBid, price, baseQty, lockAmount);

        balanceManager.lock(msg.sender, isBid ? quoteToken : baseToken, lockAmount, address(this));
    }

    function cancelOrder(uint256 id) external nonReentrant {
        Order storage o = orders[id];
        if (o.maker != msg.sender) revert NotMaker(id, msg.sender);
        if (o.remainingBase == 0) revert OrderNotLive(id);
        uint256 refund = o.lockedRemaining;
        bool isBid = o.isBid;
        o.remainingBase = 0;
        o.lockedRemaining = 0;
        _decLive(isBid, o.price);
        emit OrderCancelled(id, msg.sender, refund);

        if (refund > 0) balanceManager.unlock(msg.sender, isBid ? quoteToken : baseToken, refund, address(this));
    }

    // ---------------------------------------------------------------- takers

    /// @inheritdoc IOrderBook
    /// @dev For a BUY, `minPrice` is read as the maximum price (0 = no limit).
    function calculateOrderAmounts(uint256 baseQty, Side side, uint256 minPrice)
        external
        view
        returns (uint256 filledBase, uint256 quoteAmount)
    {
        bool takerSells = side == Side.SELL;
        uint256[] storage prices = takerSells ? _bidPrices : _askPrices;
        uint256 remaining = baseQty;
        uint256 visits;
        uint256 n = prices.length;
        for (uint256 li; li < n && li < MAX_LEVELS_PER_ORDER && remaining > 0 && visits < MAX_ORDER_VISITS; ++li) {
            uint256 price = prices[li];
            if (!_priceOk(takerSells, price, minPrice)) break;
            Level storage level = takerSells ? _bidLevels[price] : _askLevels[price];
            uint256 len = level.ids.length;
            for (uint256 j = level.head; j < len && remaining > 0 && visits < MAX_ORDER_VISITS; ++j) {
                ++visits;
                uint256 avail = orders[level.ids[j]].remainingBase;
                if (avail == 0) continue;
                uint256 fill = remaining < avail ? remaining : avail;
                remaining -= fill;
                filledBase += fill;
                quoteAmount += _quoteFor(takerSells, fill, price);
            }
        }
    }

    /// @inheritdoc IOrderBook
    function placeMarketOrder(address user, uint256 baseQty, Side side, uint256 minPrice)
        external
        nonReentrant
        returns (uint256 filledBase, uint256 quoteAmount)
    {
        if (!poolManager.isAuthorizedRouter(msg.sender)) revert NotAuthorizedRouter(msg.sender);
        Walk memory w = Walk(user, side == Side.SELL, baseQty, 0, 0, 0, 0);
        Fill[] memory fills = new Fill[](MAX_ORDER_VISITS);
        uint256[] storage prices = w.takerSells ? _bidPrices : _askPrices;
        for (uint256 li; li < MAX_LEVELS_PER_ORDER && w.remaining > 0 && w.visits < MAX_ORDER_VISITS; ++li) {
            if (prices.length == 0) break;
            uint256 price = prices[0]; // exhausted levels are removed, so the best level is always first
            if (!_priceOk(w.takerSells, price, minPrice)) break;
            _fillLevel(w, fills, price);
        }
        // Interactions with makers' contracts only after the book is fully settled (CEI). A hook is the
        // maker's own code: it runs with a gas cap and its failure is swallowed, so no maker can block
        // (or grief) market orders that cross its resting orders, liquidation sales included.
        for (uint256 k; k < w.nFills; ++k) {
            address hook = makerHook[fills[k].maker];
            if (hook != address(0)) {
                try IMakerHook(hook).onFill{gas: MAKER_HOOK_GAS}(
                    fills[k].orderId, fills[k].maker, w.takerSells, fills[k].baseQty, fills[k].quoteQty
                ) {} catch {
                    emit MakerHookFailed(fills[k].maker, hook);
                }
            }
        }
        return (w.filledBase, w.quoteAmount);
    }

    /// @dev Fills FIFO at one price level until the taker is done, the level is empty, or the visit bound hits.
    function _fillLevel(Walk memory w, Fill[] memory fills, uint256 price) private {
        Level storage level = w.takerSells ? _bidLevels[price] : _askLevels[price];
        while (level.head < level.ids.length && w.remaining > 0 && w.visits < MAX_ORDER_VISITS) {
            ++w.visits;
            uint256 id = level.ids[level.head];
            Order storage o = orders[id];
            if (o.remainingBase == 0) {
                level.head += 1; // cancelled: skip for good
                continue;
            }
            uint256 fill = w.remaining < o.remainingBase ? w.remaining : o.remainingBase;
            uint256 quote = _quoteFor(w.takerSells, fill, price);
            w.remaining -= fill;
            w.filledBase += fill;
            w.quoteAmount += quote;
            fills[w.nFills++] = Fill(id, o.maker, fill, quote);
            // Book state for this fill first (order, queue head, level), then the BalanceManager moves funds.
            uint256 dust = _applyFill(o, fill, quote, w.takerSells);
            bool emptied = o.remainingBase == 0;
            if (emptied) {
                level.head += 1;
                _decLive(w.takerSells, price);
            }
            emit OrderFilled(id, o.maker, w.user, w.takerSells, price, fill, quote);
            _transferFill(w.user, o.maker, fill, quote, dust, w.takerSells);
            if (emptied && level.live == 0) return; // level removed from the price list
        }
    }

    // ---------------------------------------------------------------- views

    function bestBid() external view returns (uint256) {
        return _bidPrices.length == 0 ? 0 : _bidPrices[0];
    }

    function bestAsk() external view returns (uint256) {
        return _askPrices.length == 0 ? 0 : _askPrices[0];
    }

    function priceLevels(bool bids) external view returns (uint256[] memory) {
        return bids ? _bidPrices : _askPrices;
    }

    // ---------------------------------------------------------------- internal

    /// @dev Book-side effects of one fill. Returns the bid's rounding dust to refund once it is fully filled.
    function _applyFill(Order storage o, uint256 fill, uint256 quote, bool takerSells) private returns (uint256 dust) {
        o.remainingBase -= uint128(fill); // fill ≤ remainingBase
        if (takerSells) {
            o.lockedRemaining -= quote; // the bid locked ceil(qty·price/unit) ≥ Σ floor(fill·price/unit)
            if (o.remainingBase == 0) (dust, o.lockedRemaining) = (o.lockedRemaining, 0);
        } else {
            o.lockedRemaining -= fill;
        }
    }

    /// @dev Fund movements of one fill through the BalanceManager (trusted operator calls).
    function _transferFill(address taker, address maker, uint256 fill, uint256 quote, uint256 dust, bool takerSells)
        private
    {
        if (takerSells) {
            balanceManager.transferFrom(taker, maker, baseToken, fill);
            if (quote > 0) balanceManager.transferLockedFrom(maker, address(this), taker, quoteToken, quote);
            if (dust > 0) balanceManager.unlock(maker, quoteToken, dust, address(this));
        } else {
            if (quote > 0) balanceManager.transferFrom(taker, maker, quoteToken, quote);
            balanceManager.transferLockedFrom(maker, address(this), taker, baseToken, fill);
        }
    }

    function _quoteFor(bool takerSells, uint256 fill, uint256 price) private view returns (uint256) {
        return takerSells ? (fill * price) / _baseUnit : _ceilDiv(fill * price, _baseUnit);
    }

    function _priceOk(bool takerSells, uint256 price, uint256 limit) private pure returns (bool) {
        if (takerSells) return price >= limit;
        return limit == 0 || price <= limit;
    }

    function _decLive(bool isBid, uint256 price) private {
        Level storage level = isBid ? _bidLevels[price] : _askLevels[price];
        level.live -= 1;
        if (level.live == 0) {
            level.head = level.ids.length;
            _removePrice(isBid, price);
        }
    }

    function _insertPrice(bool isBid, uint256 price) private {
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

    function _removePrice(bool isBid, uint256 price) private {
        uint256[] storage prices = isBid ? _bidPrices : _askPrices;
        uint256 n = prices.length;
        uint256 pos;
        while (pos < n && prices[pos] != price) ++pos;
        if (pos == n) return;
        for (uint256 k = pos; k + 1 < n; ++k) {
            prices[k] = prices[k + 1];
        }
        prices.pop();
    }

    function _ceilDiv(uint256 a, uint256 b) private pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IAdlEngine} from "./interfaces/IAdlEngine.sol";
import {IAdlRegistry} from "./interfaces/IAdlRegistry.sol";
import {IPriceOracle} from "./interfaces/IPriceOracle.sol";

/// @title AdlEngine — auto-deleveraging by ROE (seed 003 §2, DEBT-5)
/// @notice Keeps a registry of open positions per (market, side), fed by the settlement arches. `socialize`
/// spreads a shortfall over the OPPOSITE side's profitable positions, highest ROE first (ROE = unrealized
/// profit / margin, seed 003 "ADL uses ROE ranking"), each charged at most its remaining unrealized profit;
/// the total charged is exactly `shortfall`, or all capacity with the rest recorded as an explicit shortfall
/// (`ShortfallRecorded`, `totalRecordedShortfall`) — never silently dropped.
///
/// What "reduce" means here: a charge is a haircut on the position's profit, stored per position and consumed
/// by the arch at the position's next settlement (`consumeHaircut` → realised PnL − haircut), so the winner is
/// paid that much less by the vault. Capacity = max(0, unrealized profit − pending haircut), so a position is
/// never charged more than its profit across several socializations.
///
/// Bounds: at most MAX_POSITIONS_PER_SIDE positions are registered per (market, side) (a registration beyond
/// it reverts `RegistryFull`, so the arch cannot open it); `socialize` considers every registered position of
/// the side — the ranking is global, never truncated — in O(n²) with n ≤ MAX_POSITIONS_PER_SIDE.
/// Ties in ROE break by the smaller position key (deterministic). A stale or missing mark price gives zero
/// capacity (the whole shortfall is recorded), never a revert.
contract AdlEngine is IAdlEngine, IAdlRegistry, Ownable, ReentrancyGuard {
    uint256 public constant MAX_POSITIONS_PER_SIDE = 100;
    uint256 internal constant ROE_SCALE = 1e18;

    struct Entry {
        address market;
        bool isLong;
        uint128 entryPrice; // USDC units per whole base
        uint128 size; // base units
        uint128 margin; // USDC units
    }

    struct MarketInfo {
        bytes32 priceSymbol;
        uint8 baseDecimals;
        bool listed;
    }

    error NotReporter(address caller);
    error NotSocializer(address caller);
    error RegistryFull(address market, bool isLong);
    error SideMismatch(bytes32 posKey);
    error ValueOutOfRange(uint256 value);

    event ReporterSet(address indexed reporter, bool allowed);
    event SocializerSet(address indexed socializer, bool allowed);
    event MarketSet(address indexed market, bytes32 priceSymbol, uint8 baseDecimals);
    event PositionUpdated(bytes32 indexed posKey, address indexed market, bool isLong, uint256 size, uint256 margin);
    event Socialized(address indexed market, bool liquidatedIsLong, uint256 shortfall, uint256 socialized, uint256 recorded);
    event HaircutConsumed(bytes32 indexed posKey, uint256 amount);

    IPriceOracle public immutable oracle;

    uint256 public totalRecordedShortfall;
    uint256 public totalSocialized;

    mapping(address => bool) public isReporter;
    mapping(address => bool) public isSocializer;
    mapping(address market => MarketInfo) public markets;
    mapping(bytes32 posKey => Entry) internal _entries;
    // Written through storage references in updatePosition / _remove (push, swap-pop).
    // slither-disable-next-line uninitialized-state
    mapping(address market => mapping(bool isLong => bytes32[])) internal _sideKeys;
    mapping(bytes32 posKey => uint256) internal _indexPlusOne;
    mapping(bytes32 posKey => uint256) public pendingHaircut;

    constructor(address owner_, IPriceOracle oracle_) Ownable(owner_) {
        oracle = oracle_;
    }

    // ───────────────────────────── owner setters ─────────────────────────────

    /// @notice Settlement arches that feed positions and consume haircuts.
    function setReporter(address reporter, bool allowed) external onlyOwner {
        isReporter[reporter] = allowed;
        emit ReporterSet(reporter, allowed);
    }

    /// @notice Callers allowed to socialize (the vault's deficit waterfall, the LiquidationEngine).
    function setSocializer(address socializer, bool allowed) external onlyOwner {
        isSocializer[socializer] = allowed;
        emit SocializerSet(socializer, allowed);
    }

    /// @notice Mark-price source of a market; must match the arches' market config.
    function setMarket(address market, bytes32 priceSymbol, uint8 baseDecimals) external onlyOwner {
        if (baseDecimals > 30) revert ValueOutOfRange(baseDecimals);
        markets[market] = MarketInfo(priceSymbol, baseDecimals, true);
        emit MarketSet(market, priceSymbol, baseDecimals);
    }

    // ───────────────────────────── registry (arches) ─────────────────────────────

    /// @inheritdoc IAdlRegistry
    function updatePosition(
        address market,
        bytes32 posKey,
        bool isLong,
        uint256 entryPrice,
        uint256 size,
        uint256 margin
    ) external nonReentrant {
        if (!isReporter[msg.sender]) revert NotReporter(msg.sender);
        uint256 idx = _indexPlusOne[posKey];
        if (size == 0) {
            if (idx != 0) _remove(posKey, idx);
        } else {
            if (idx == 0) {
                bytes32[] storage keys = _sideKeys[market][isLong];
                if (keys.length >= MAX_POSITIONS_PER_SIDE) revert RegistryFull(market, isLong);
                keys.push(posKey);
                _indexPlusOne[posKey] = keys.length;
            } else if (_entries[posKey].isLong != isLong || _entries[posKey].market != market) {
                revert SideMismatch(posKey);
            }
            _entries[posKey] = Entry(market, isLong, _u128(entryPrice), _u128(size), _u128(margin));
        }
        emit PositionUpdated(posKey, market, isLong, size, margin);
    }

    /// @inheritdoc IAdlRegistry
    function consumeHaircut(bytes32 posKey) external nonReentrant returns (uint256 amount) {
        if (!isReporter[msg.sender]) revert NotReporter(msg.sender);
        amount = pendingHaircut[posKey];
        if (amount > 0) {
            delete pendingHaircut[posKey];
            emit HaircutConsumed(posKey, amount);
        }
    }

    // ───────────────────────────── socialization ─────────────────────────────

    /// @inheritdoc IAdlEngine
    function socialize(address market, bool liquidatedIsLong, uint256 shortfall)
        external
        nonReentrant
        returns (uint256 socialized, uint256 recordedShortfall)
    {
        if (!isSocializer[msg.sender]) revert NotSocializer(msg.sender);
        if (shortfall == 0) return (0, 0);
        (bytes32[] memory keys, uint256[] memory cap, uint256[] memory roe, uint256 n) =
            _candidates(market, !liquidatedIsLong);

        uint256 remaining = shortfall;
        // Selection by ROE (desc), tie → smaller key; each round takes ≤ the position's capacity.
        for (uint256 round; round < n && remaining > 0; ++round) {
            uint256 best = type(uint256).max;
            for (uint256 i; i < n; ++i) {
                if (cap[i] == 0) continue; // already taken this call (or no capacity)
                if (
                    best == type(uint256).max || roe[i] > roe[best]
                        || (roe[i] == roe[best] && uint256(keys[i]) < uint256(keys[best]))
                ) best = i;
            }
            if (best == type(uint256).max) break;
            uint256 take = cap[best] < remaining ? cap[best] : remaining;
            cap[best] = 0;
            remaining -= take;
            pendingHaircut[keys[best]] += take;
            emit Deleveraged(keys[best], take);
        }

        socialized = shortfall - remaining;
        recordedShortfall = remaining;
        totalSocialized += socialized;
        if (recordedShortfall > 0) {
            totalRecordedShortfall += recordedShortfall;
            emit ShortfallRecorded(recordedShortfall);
        }
        emit Socialized(market, liquidatedIsLong, shortfall, socialized, recordedShortfall);
    }

    // ───────────────────────────── views ─────────────────────────────

    /// @notice Total capacity the opposite side of `liquidatedIsLong` could absorb now (DEBT-4's ADL term).
    function capacity(address market, bool liquidatedIsLong) external view returns (uint256 total) {
        (, uint256[] memory cap,, uint256 n) = _candidates(market, !liquidatedIsLong);
        for (uint256 i; i < n; ++i) {
            total += cap[i];
        }
    }

    /// @notice Unrealized profit (≥ 0) of a registered position at the current mark; 0 if stale or a loss.
    function unrealizedProfit(bytes32 posKey) public view returns (uint256) {
        Entry memory e = _entries[posKey];
        (bool ok, uint256 mark) = _mark(e.market);
        if (!ok) return 0;
        return _profit(e, mark, markets[e.market].baseDecimals);
    }

    function getEntry(bytes32 posKey) external view returns (Entry memory) {
        return _entries[posKey];
    }

    function positionCount(address market, bool isLong) external view returns (uint256) {
        return _sideKeys[market][isLong].length;
    }

    // ───────────────────────────── internals ─────────────────────────────

    /// @dev Profitable positions of one side with capacity = profit − pending haircut and ROE = profit·1e18/margin.
    function _candidates(address market, bool side)
        internal
        view
        returns (bytes32[] memory keys, uint256[] memory cap, uint256[] memory roe, uint256 n)
    {
        bytes32[] storage all = _sideKeys[market][side];
        uint256 len = all.length; // ≤ MAX_POSITIONS_PER_SIDE
        keys = new bytes32[](len);
        cap = new uint256[](len);
        roe = new uint256[](len);
        (bool ok, uint256 mark) = _mark(market);
        if (!ok) return (keys, cap, roe, 0);
        uint8 baseDecimals = markets[market].baseDecimals;
        for (uint256 i; i < len; ++i) {
            bytes32 k = all[i];
            Entry memory e = _entries[k];
            uint256 profit = _profit(e, mark, baseDecimals);
            uint256 pending = pendingHaircut[k];
            if (profit <= pending) continue; // only profitable positions with room
            keys[n] = k;
            cap[n] = profit - pending;
            roe[n] = e.margin == 0 ? type(uint256).max : profit * ROE_SCALE / e.margin;
            ++n;
        }
    }

    /// @dev Profit rounds DOWN (capacity is never over-stated).
    function _profit(Entry memory e, uint256 mark, uint8 baseDecimals) internal pure returns (uint256) {
        uint256 diff;
        if (e.isLong) {
            if (mark <= e.entryPrice) return 0;
            diff = mark - e.entryPrice;
        } else {
            if (mark >= e.entryPrice) return 0;
            diff = e.entryPrice - mark;
        }
        return diff * e.size / (10 ** baseDecimals);
    }

    function _mark(address market) internal view returns (bool ok, uint256 mark) {
        MarketInfo memory m = markets[market];
        if (!m.listed) return (false, 0);
        try oracle.tryGetFreshPrice(m.priceSymbol) returns (bool fresh, uint256 price, uint8 dec) {
            if (!fresh || price == 0 || dec > 30) return (false, 0);
            return (true, price * 1e6 / (10 ** dec));
        } catch {
            return (false, 0);
        }
    }

    function _remove(bytes32 posKey, uint256 idxPlusOne) internal {
        Entry memory e = _entries[posKey];
        bytes32[] storage keys = _sideKeys[e.market][e.isLong];
        uint256 last = keys.length - 1;
        if (idxPlusOne - 1 != last) {
            bytes32 moved = keys[last];
            keys[idxPlusOne - 1] = moved;
            _indexPlusOne[moved] = idxPlusOne;
        }
        keys.pop();
        delete _indexPlusOne[posKey];
        delete _entries[posKey];
    }

    function _u128(uint256 x) internal pure returns (uint128) {
        if (x > type(uint128).max) revert ValueOutOfRange(x);
        // forge-lint: disable-next-line(unsafe-typecast) -- bounded by the check above
        return uint128(x);
    }
}

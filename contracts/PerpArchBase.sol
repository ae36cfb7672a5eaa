// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IBalanceManagerVault} from "./interfaces/IBalanceManagerVault.sol";
import {IPriceOracle} from "./interfaces/IPriceOracle.sol";
import {IPerpEngine} from "./interfaces/IPerpEngine.sol";
import {IPerpRiskSource} from "./interfaces/IPerpRiskSource.sol";
import {IAdlRegistry} from "./interfaces/IAdlRegistry.sol";
import {IRiskSync} from "./interfaces/IRiskReporting.sol";
import {IPositionSideSource} from "./interfaces/IPositionSideSource.sol";
import {MarginTable} from "./libraries/MarginTable.sol";

/// @title PerpArchBase — position store shared by the two settlement arches
/// @notice Holds positions (key = keccak(user, market, side, arch)), prices them at the oracle mark, and
/// settles every change through the BalanceManagerVault: opens → `allocateForPosition`, closes →
/// `releaseFromPosition`, liquidations → `partialReleaseFromPosition` / `releaseFromPosition`. The only
/// arch-specific piece is `_settle`, which each arch routes its own way; the vault callbacks reached are
/// identical (ST-8 parity). There is no perp order book: opens and closes execute at the mark price with the
/// caller's price as a limit, and liquidation fills are priced by the LiquidationEngine.
/// Rounding: every PnL rounds against the position holder (the vault never pays a rounding unit it did not
/// receive); IM rounds up.
abstract contract PerpArchBase is IPerpEngine, IPerpRiskSource, IPositionSideSource, Ownable, ReentrancyGuard {
    uint256 internal constant PPM = 1_000_000;
    /// @dev Bounds the per-user loop in `accountRisk` (QRE reads it on every equity query).
    uint256 public constant MAX_POSITIONS_PER_USER = 16;

    IBalanceManagerVault public immutable vault;
    IPriceOracle public immutable oracle;

    address public liquidationEngine;
    IAdlRegistry public adlEngine;
    /// @notice Re-prices the user's risk in the QRE after each position change (the LiquidationEngine).
    IRiskSync public riskSync;

    mapping(address market => MarketConfig) internal _markets;
    mapping(address market => MarginTable.Tier[]) internal _tiers;
    mapping(bytes32 posKey => Position) internal _positions;
    mapping(address user => bytes32[]) internal _userKeys;
    mapping(bytes32 posKey => uint256) internal _userKeyIndexPlusOne;
    /// @dev 1 = long, 2 = short; written at first open and never cleared, so the vault can still ask for the
    /// side (IPositionSideSource) during the release callback, after the position was deleted (CEI).
    mapping(bytes32 posKey => uint8) internal _sideOf;

    event MarketSet(address indexed market, bytes32 priceSymbol, uint8 baseDecimals, bool enabled);
    event MarginTiersSet(address indexed market, uint256 count);
    event LiquidationEngineSet(address indexed engine);
    event AdlEngineSet(address indexed adl);
    event RiskSyncSet(address indexed riskSync);

    modifier onlyLiquidationEngine() {
        if (msg.sender != liquidationEngine) revert NotLiquidationEngine(msg.sender);
        _;
    }

    constructor(address owner_, IBalanceManagerVault vault_, IPriceOracle oracle_) Ownable(owner_) {
        vault = vault_;
        oracle = oracle_;
    }

    // ───────────────────────────── owner setters ─────────────────────────────

    function setMarket(address market, bytes32 priceSymbol, uint8 baseDecimals, bool enabled) external onlyOwner {
        if (baseDecimals > 30) revert ValueOutOfRange(baseDecimals);
        _markets[market] = MarketConfig(priceSymbol, baseDecimals, enabled);
        emit MarketSet(market, priceSymbol, baseDecimals, enabled);
    }

    /// @notice Sets the margin table; deductions are (re)computed with `MarginTable.deductionFor` so the
    /// stored table is continuous by construction, then validated (leverage non-increasing, bounds, scale).
    function setMarginTiers(address market, MarginTable.Tier[] calldata tiers) external onlyOwner {
        MarginTable.Tier[] memory t = tiers;
        uint256 n = t.length;
        if (n > MarginTable.MAX_TIERS) revert MarginTable.TooManyTiers(n);
        if (n > 0 && t[0].maxLeverage == 0) revert MarginTable.InvalidLeverage(0, 0);
        for (uint256 i; i < n; ++i) {
            // guard deductionFor's subtraction / division before validate reports the precise error
            if (t[i].maxLeverage == 0) revert MarginTable.InvalidLeverage(i, 0);
            if (i > 0 && t[i].maxLeverage > t[i - 1].maxLeverage) revert MarginTable.LeverageIncreasing(i);
            t[i].maintenanceDeduction = MarginTable.deductionFor(t, i);
        }
        MarginTable.validate(t);
        delete _tiers[market];
        for (uint256 i; i < n; ++i) {
            _tiers[market].push(t[i]);
        }
        emit MarginTiersSet(market, n);
    }

    function setLiquidationEngine(address engine) external onlyOwner {
        liquidationEngine = engine;
        emit LiquidationEngineSet(engine);
    }

    function setAdlEngine(IAdlRegistry adl) external onlyOwner {
        adlEngine = adl;
        emit AdlEngineSet(address(adl));
    }

    function setRiskSync(IRiskSync sync) external onlyOwner {
        riskSync = sync;
        emit RiskSyncSet(address(sync));
    }

    // ───────────────────────────── trading ─────────────────────────────

    /// @inheritdoc IPerpEngine
    function openPosition(
        address market,
        bool isLong,
        uint256 sizeBase,
        uint256 price,
        uint256 leverage,
        IBalanceManagerVault.MarginMode mode
    ) external nonReentrant returns (bytes32 posKey) {
        posKey = _key(msg.sender, market, isLong);
        Position storage p = _positions[posKey];
        (uint256 mark, uint256 im) = _priceOpen(market, isLong, sizeBase, price, leverage, p.size);
        uint256 newSize = uint256(p.size) + sizeBase;

        if (p.size == 0) {
            if (_userKeys[msg.sender].length >= MAX_POSITIONS_PER_USER) revert TooManyPositions(msg.sender);
            _userKeys[msg.sender].push(posKey);
            _userKeyIndexPlusOne[posKey] = _userKeys[msg.sender].length;
            p.user = msg.sender;
            p.market = market;
            p.isLong = isLong;
            p.mode = uint8(mode);
            p.entryPrice = _u128(mark);
            _sideOf[posKey] = isLong ? 1 : 2;
        } else {
            if (p.mode != uint8(mode)) revert ModeMismatch(posKey);
            // size-weighted average entry, rounded against the holder (up for longs, down for shorts)
            uint256 num = uint256(p.entryPrice) * p.size + mark * sizeBase;
            p.entryPrice = _u128(isLong ? (num + newSize - 1) / newSize : num / newSize);
        }
        p.size = _u128(newSize);
        p.margin = _u128(uint256(p.margin) + im);

        _reportAdl(posKey, p);
        emit PositionOpened(msg.sender, posKey, market, isLong, sizeBase, mark, im);
        vault.allocateForPosition(msg.sender, posKey, market, im, mode);
        _syncRisk(msg.sender);
    }

    /// @inheritdoc IPerpEngine
    function closePosition(address market, bool isLong, uint256 price) external nonReentrant returns (int256 pnl) {
        bytes32 posKey = _key(msg.sender, market, isLong);
        Position memory p = _positions[posKey];
        if (p.size == 0) revert NoPosition(posKey);
        MarketConfig memory m = _markets[market];
        uint256 mark = _freshMark(market, m);
        // closing a long sells (mark ≥ limit); closing a short buys (mark ≤ limit)
        if (isLong ? mark < price : mark > price) revert SlippageExceeded(mark, price);
        uint256 quoteValue = uint256(p.size) * mark / (10 ** m.baseDecimals);
        pnl = _pnl(p, p.size, quoteValue, m.baseDecimals);
        _removePosition(posKey, p.user);
        pnl -= _consumeHaircut(posKey);
        emit PositionClosed(msg.sender, posKey, p.size, quoteValue, pnl);
        _settle(msg.sender, posKey, PPM, pnl);
        _syncRisk(msg.sender);
    }

    /// @inheritdoc IPerpEngine
    function onPositionLiquidated(address user, address market, bool isLong, uint256 sizeBase, uint256 quoteValue)
        external
        nonReentrant
        onlyLiquidationEngine
        returns (int256 pnl)
    {
        bytes32 posKey = _key(user, market, isLong);
        Position storage p = _positions[posKey];
        uint256 size = p.size;
        if (size == 0) revert NoPosition(posKey);
        if (sizeBase == 0) revert ZeroSize();
        if (sizeBase > size) revert SizeExceedsPosition(sizeBase, size);
        pnl = _pnl(p, sizeBase, quoteValue, _markets[market].baseDecimals);
        uint256 fractionPpm;
        if (sizeBase == size) {
            fractionPpm = PPM;
            _removePosition(posKey, user);
        } else {
            // rounds DOWN: the vault releases at most the closed fraction (REL-4)
            fractionPpm = sizeBase * PPM / size;
            // the vault rejects a zero fraction; a close below 1 ppm of the position is dust
            if (fractionPpm == 0) revert FractionTooSmall(sizeBase, size);
            p.margin = _u128(uint256(p.margin) - uint256(p.margin) * sizeBase / size);
            p.size = _u128(size - sizeBase);
            _reportAdl(posKey, p);
        }
        pnl -= _consumeHaircut(posKey);
        emit PositionLiquidated(user, posKey, sizeBase, quoteValue, pnl, fractionPpm);
        _settle(user, posKey, fractionPpm, pnl);
        _syncRisk(user);
    }

    // ───────────────────────────── views ─────────────────────────────

    function positionKey(address user, address market, bool isLong) external view returns (bytes32) {
        return _key(user, market, isLong);
    }

    function getPosition(bytes32 posKey) external view returns (Position memory) {
        return _positions[posKey];
    }

    function getMarketConfig(address market) external view returns (MarketConfig memory) {
        return _markets[market];
    }

    function getMarginTiers(address market) external view returns (MarginTable.Tier[] memory) {
        return _tiers[market];
    }

    function userPositionKeys(address user) external view returns (bytes32[] memory) {
        return _userKeys[user];
    }

    /// @inheritdoc IPositionSideSource
    function isLongPosition(bytes32 posKey) external view returns (bool) {
        uint8 side = _sideOf[posKey];
        if (side == 0) revert NoPosition(posKey);
        return side == 1;
    }

    function markPrice(address market) public view returns (bool fresh, uint256 price) {
        MarketConfig memory m = _markets[market];
        uint8 dec;
        (fresh, price, dec) = oracle.tryGetFreshPrice(m.priceSymbol);
        if (fresh) price = price * 1e6 / (10 ** dec);
    }

    /// @inheritdoc IPerpRiskSource
    /// @dev A stale mark prices the position at its entry (PnL 0, MM at entry notional): risk reads never
    /// revert (never brick the QRE), and a stale price never manufactures profit.
    function accountRisk(address user)
        external
        view
        returns (int256 unrealizedPnl, uint256 maintenanceMargin, uint256 initialMargin)
    {
        bytes32[] storage keys = _userKeys[user];
        uint256 n = keys.length; // ≤ MAX_POSITIONS_PER_USER
        for (uint256 i; i < n; ++i) {
            Position memory p = _positions[keys[i]];
            MarketConfig memory m = _markets[p.market];
            (bool fresh, uint256 mark) = markPrice(p.market);
            if (!fresh) mark = p.entryPrice;
            uint256 value = uint256(p.size) * mark / (10 ** m.baseDecimals);
            unrealizedPnl += _pnl(p, p.size, value, m.baseDecimals);
            maintenanceMargin += MarginTable.maintenanceMargin(_tiers[p.market], value);
            initialMargin += p.margin;
        }
    }

    // ───────────────────────────── internals ─────────────────────────────

    /// @dev Arch-specific routing of the settlement; must end in the vault's release callbacks.
    function _settle(address user, bytes32 posKey, uint256 fractionPpm, int256 pnl) internal virtual;

    function _key(address user, address market, bool isLong) internal view returns (bytes32) {
        return keccak256(abi.encode(user, market, isLong, address(this)));
    }

    /// @dev Open-time checks: market enabled, fresh mark within the limit, leverage within the tier of the
    /// resulting total notional. Returns the mark and IM = ceil(notional / leverage).
    function _priceOpen(
        address market,
        bool isLong,
        uint256 sizeBase,
        uint256 limitPrice,
        uint256 leverage,
        uint256 existingSize
    ) internal view returns (uint256 mark, uint256 im) {
        MarketConfig memory m = _markets[market];
        if (!m.enabled) revert MarketDisabled(market);
        if (sizeBase == 0) revert ZeroSize();
        mark = _freshMark(market, m);
        if (isLong ? mark > limitPrice : mark < limitPrice) revert SlippageExceeded(mark, limitPrice);
        uint256 unit = 10 ** m.baseDecimals;
        MarginTable.Tier[] memory tiers = _tiers[market];
        if (tiers.length == 0) revert MarketDisabled(market);
        uint256 maxLev = tiers[MarginTable.tierIndex(tiers, (existingSize + sizeBase) * mark / unit)].maxLeverage;
        if (leverage == 0 || leverage > maxLev) revert LeverageTooHigh(leverage, maxLev);
        uint256 notional = sizeBase * mark / unit;
        im = (notional + leverage - 1) / leverage;
    }

    function _freshMark(address market, MarketConfig memory m) internal view returns (uint256 mark) {
        bool fresh;
        uint8 dec;
        (fresh, mark, dec) = oracle.tryGetFreshPrice(m.priceSymbol);
        if (!fresh || mark == 0) revert StaleMarkPrice(market);
        mark = mark * 1e6 / (10 ** dec);
    }

    /// @dev PnL of closing `size` for `quoteValue` USDC; the entry value rounds against the holder
    /// (up for a long's cost, down for a short's proceeds).
    function _pnl(Position memory p, uint256 size, uint256 quoteValue, uint8 baseDecimals)
        internal
        pure
        returns (int256)
    {
        uint256 unit = 10 ** baseDecimals;
        uint256 raw = uint256(p.entryPrice) * size;
        uint256 entryValue = p.isLong ? (raw + unit - 1) / unit : raw / unit;
        return p.isLong ? _i(quoteValue) - _i(entryValue) : _i(entryValue) - _i(quoteValue);
    }

    function _removePosition(bytes32 posKey, address user) internal {
        bytes32[] storage keys = _userKeys[user];
        uint256 idx = _userKeyIndexPlusOne[posKey] - 1;
        uint256 last = keys.length - 1;
        if (idx != last) {
            bytes32 moved = keys[last];
            keys[idx] = moved;
            _userKeyIndexPlusOne[moved] = idx + 1;
        }
        keys.pop();
        delete _userKeyIndexPlusOne[posKey];
        Position memory p = _positions[posKey];
        delete _positions[posKey];
        p.size = 0;
        _reportAdl(posKey, p);
    }

    function _reportAdl(bytes32 posKey, Position memory p) internal {
        IAdlRegistry adl = adlEngine;
        if (address(adl) != address(0)) {
            adl.updatePosition(p.market, posKey, p.isLong, p.entryPrice, p.size, p.margin);
        }
    }

    function _syncRisk(address user) internal {
        IRiskSync sync = riskSync;
        if (address(sync) != address(0)) sync.syncRisk(user);
    }

    function _consumeHaircut(bytes32 posKey) internal returns (int256) {
        IAdlRegistry adl = adlEngine;
        if (address(adl) == address(0)) return 0;
        return _i(adl.consumeHaircut(posKey));
    }

    function _u128(uint256 x) internal pure returns (uint128) {
        if (x > type(uint128).max) revert ValueOutOfRange(x);
        // forge-lint: disable-next-line(unsafe-typecast) -- bounded by the check above
        return uint128(x);
    }

    function _i(uint256 x) internal pure returns (int256) {
        if (x > uint256(type(int256).max)) revert ValueOutOfRange(x);
        // forge-lint: disable-next-line(unsafe-typecast) -- bounded by the check above
        return int256(x);
    }
}

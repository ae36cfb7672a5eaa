// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBalanceManagerVault} from "./IBalanceManagerVault.sol";
import {MarginTable} from "../libraries/MarginTable.sol";

/// @notice What the LiquidationEngine (and tests) need from a settlement arch. Both arches — the Monad-style
/// monolithic `PerpEngine` and the modular `CLOBPerpetualRouter` — implement it and settle every open, close
/// and liquidation through the SAME BalanceManagerVault callbacks (ST-8 parity).
/// Units: `sizeBase` in base-token units (base decimals), prices in USDC units (6 dp) per WHOLE base token,
/// margins / values / PnL in USDC units.
interface IPerpEngine {
    struct Position {
        address user;
        address market;
        bool isLong;
        uint8 mode; // IBalanceManagerVault.MarginMode
        uint128 size; // base units; 0 = no position
        uint128 entryPrice; // USDC units per whole base (size-weighted average)
        uint128 margin; // initial margin allocated in the vault (USDC units)
    }

    struct MarketConfig {
        bytes32 priceSymbol; // PriceOracle symbol of the mark price
        uint8 baseDecimals;
        bool enabled;
    }

    error MarketDisabled(address market);
    error ZeroSize();
    error StaleMarkPrice(address market);
    error SlippageExceeded(uint256 markPrice, uint256 limitPrice);
    error LeverageTooHigh(uint256 leverage, uint256 maxLeverage);
    error NoPosition(bytes32 posKey);
    error ModeMismatch(bytes32 posKey);
    error TooManyPositions(address user);
    error SizeExceedsPosition(uint256 size, uint256 positionSize);
    error NotLiquidationEngine(address caller);
    error FractionTooSmall(uint256 size, uint256 positionSize);
    error ValueOutOfRange(uint256 value);

    event PositionOpened(
        address indexed user, bytes32 indexed posKey, address market, bool isLong, uint256 size, uint256 price, uint256 margin
    );
    event PositionClosed(address indexed user, bytes32 indexed posKey, uint256 size, uint256 quoteValue, int256 pnl);
    event PositionLiquidated(
        address indexed user, bytes32 indexed posKey, uint256 size, uint256 quoteValue, int256 pnl, uint256 fractionPpm
    );

    /// @notice Opens or increases msg.sender's position at the oracle mark price; `price` is the limit
    /// (long: mark ≤ price, short: mark ≥ price). Allocates IM = ceil(notional / leverage) in the vault.
    function openPosition(
        address market,
        bool isLong,
        uint256 sizeBase,
        uint256 price,
        uint256 leverage,
        IBalanceManagerVault.MarginMode mode
    ) external returns (bytes32 posKey);

    /// @notice Closes msg.sender's whole position at the mark price (limit `price`), releasing it with realised PnL.
    function closePosition(address market, bool isLong, uint256 price) external returns (int256 pnl);

    /// @notice LiquidationEngine only: closes `sizeBase` of a position for `quoteValue` USDC (the fill's quote
    /// amount), settling through `partialReleaseFromPosition` (or `releaseFromPosition` when the whole position
    /// goes). Used for the liquidated side and for the counterparty that absorbs the fill.
    function onPositionLiquidated(address user, address market, bool isLong, uint256 sizeBase, uint256 quoteValue)
        external
        returns (int256 pnl);

    function positionKey(address user, address market, bool isLong) external view returns (bytes32);
    function getPosition(bytes32 posKey) external view returns (Position memory);
    function getMarketConfig(address market) external view returns (MarketConfig memory);
    /// @notice The market's margin table (the LiquidationEngine prices MM released per fill with it).
    function getMarginTiers(address market) external view returns (MarginTable.Tier[] memory);
    /// @notice Mark price in USDC units per whole base; `fresh` false when the oracle price is stale/unknown.
    function markPrice(address market) external view returns (bool fresh, uint256 price);
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Liquidation entry point (seeds 003/004, dYdX v4 semantics): eligibility from QRE, block-limited
/// sizing at the oracle, a liquidation order matched against the venue's perp book (price-time priority,
/// several fills, bounded by the fillable price), the insurance delta per fill at the bankruptcy price, the
/// MaxQuantumsInsuranceLost limit per fill, and an optional backstop at the oracle for what the book cannot fill.
interface ILiquidationEngine {
    /// @notice Why matching ended: the requested size was filled; the book (and backstop) had nothing more at
    /// or inside the fillable price; or the next fill would exceed the account's remaining
    /// MaxQuantumsInsuranceLost (that fill rejected, the earlier ones stand).
    enum Stop {
        FILLED,
        NO_LIQUIDITY,
        INSURANCE_LIMIT
    }

    struct Result {
        uint256 size; // base units liquidated (book fills + backstop)
        uint256 requested; // base units the block limits allowed (the liquidation order's size)
        uint256 notional; // oracle notional counted against MaxNotionalLiquidated (USDC units)
        uint256 absorbed; // base units filled by resting book orders
        uint256 backstopped; // base units taken by the backstop at the oracle price
        uint256 fills; // number of fills (book + backstop)
        uint256 quoteValue; // Σ fill quote (USDC units at the fill prices)
        uint256 fee; // Σ liquidation fee paid to the insurance fund (each ≤ its fill's insurance delta)
        uint256 insuranceLost; // Σ −d over fills with d < 0 (bound on what the fund pays through the waterfall)
        int256 pnl; // realised PnL of the liquidated part (after fees / insurance cover and ADL haircut)
        uint256 fillablePrice; // the liquidation order's limit price (USDC units per whole base)
        Stop stop;
    }

    error UnknownArch(address arch);
    error SelfLiquidation();
    error NotLiquidatable(address user);
    error NoPosition(bytes32 posKey);
    error StaleMarkPrice(address market);
    error BlockLimitReached(address user);
    error NothingToLiquidate();
    error PartialLiquidationCooldown(bytes32 posKey, uint256 availableAt);
    error InvalidParameter();

    event Liquidated(
        address indexed user,
        bytes32 indexed posKey,
        address indexed liquidator,
        uint256 size,
        uint256 notional,
        uint256 quoteValue,
        uint256 fee,
        bool isPartial
    );
    /// @notice One fill of a liquidation: `maker` is address(0) for the backstop; `delta` is the insurance
    /// delta (fill quote − bankruptcy quote), `fee` what the fund received, `insuranceLost` what it covered.
    event LiquidationFill(
        address indexed user,
        address indexed maker,
        uint256 orderId,
        uint256 size,
        uint256 price,
        uint256 quote,
        int256 delta,
        uint256 fee,
        uint256 insuranceLost
    );
    /// @notice Matching stopped before the requested size; `remaining` base units stay open.
    event LiquidationStopped(address indexed user, Stop reason, uint256 remaining, int256 delta, uint256 room);
    event BackstopLiquidation(address indexed arch, address indexed market, bool liquidatedIsLong, uint256 size, uint256 price);

    function liquidate(address arch, address user, address market, bool isLong) external returns (Result memory);
}

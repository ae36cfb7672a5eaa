// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Liquidation entry point (seed 003/004): eligibility from QRE, block-limited sizing, capped fee,
/// partial-liquidation cooldown, backstop at the oracle price when no counterparty absorbs the fill.
interface ILiquidationEngine {
    struct Result {
        uint256 size; // base units liquidated
        uint256 notional; // at the oracle price, USDC units (what the block limits count)
        uint256 absorbed; // base units taken by the caller's opposite position at `fillPrice`
        uint256 backstopped; // base units taken by the backstop at the oracle price
        uint256 quoteValue; // USDC value of the fill (absorbed·fillPrice + backstopped·oracle)
        uint256 fee; // liquidation fee charged (≤ MaxLiquidationFeePpm × quoteValue)
        uint256 insuranceLost; // insurance balance decrease caused by the closes (before the fee)
        int256 pnl; // realised PnL of the liquidated part (after any ADL haircut), settled by the vault
    }

    error UnknownArch(address arch);
    error SelfLiquidation();
    error NotLiquidatable(address user);
    error NoPosition(bytes32 posKey);
    error StaleMarkPrice(address market);
    error BlockLimitReached(address user);
    error NothingToLiquidate();
    error PartialLiquidationCooldown(bytes32 posKey, uint256 availableAt);
    error FillPriceOutOfBand(uint256 fillPrice, uint256 markPrice);
    error InsuranceLossLimit(uint256 lost, uint256 remaining);
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
    event BackstopLiquidation(address indexed arch, address indexed market, bool liquidatedIsLong, uint256 size, uint256 price);
    event LiquidationFeeCollected(address indexed user, uint256 fee);
    /// @notice The caller's opposite position absorbed `size` of the liquidation for `quoteValue` USDC.
    event CounterpartyFilled(address indexed counterparty, address indexed user, uint256 size, uint256 quoteValue, int256 pnl);

    function liquidate(address arch, address user, address market, bool isLong, uint256 fillPrice)
        external
        returns (Result memory);
}

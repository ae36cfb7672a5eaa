// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title CollateralMath — decimal-correct valuation and liquidation floors for non-USDC collateral.
/// @notice All conversions between a base token (any decimals ≤ 18), an oracle price (its own decimals) and
/// the quote token (USDC, 6) live here, with explicit rounding: floors the protocol must clear round UP,
/// values the protocol credits round DOWN.
library CollateralMath {
    uint256 internal constant BPS = 10_000;
    /// @dev Size-scaling: weighted value above `maxNotionalUsd18` counts at this fraction (50%).
    uint256 internal constant SIZE_SCALING_EXCESS_BPS = 5_000;

    /// @notice Minimum quote a sale of `qty` base must realise: qty × price × liqFactor, in quote units,
    /// rounded UP (a sale that clears this floor is never worse than oracle × liqFactor).
    function minProceeds(
        uint256 qty,
        uint8 baseDecimals,
        uint256 price,
        uint8 priceDecimals,
        uint8 quoteDecimals,
        uint16 liqFactorBps
    ) internal pure returns (uint256) {
        uint256 num = qty * price * liqFactorBps * 10 ** quoteDecimals;
        uint256 den = 10 ** baseDecimals * 10 ** priceDecimals * BPS;
        return _ceilDiv(num, den);
    }

    /// @notice Floor price in quote units per whole base token (oracle × liqFactor), rounded UP, for the
    /// order book's `minPrice` argument.
    function floorPrice(uint256 price, uint8 priceDecimals, uint8 quoteDecimals, uint16 liqFactorBps)
        internal
        pure
        returns (uint256)
    {
        uint256 num = price * liqFactorBps * 10 ** quoteDecimals;
        uint256 den = 10 ** priceDecimals * BPS;
        return _ceilDiv(num, den);
    }

    /// @notice 18-decimal USD value of `balance` at `price`, haircut by `weightBps`, rounded DOWN.
    function valueUsd18(uint256 balance, uint8 decimals, uint256 price, uint8 priceDecimals, uint16 weightBps)
        internal
        pure
        returns (uint256)
    {
        return (balance * price * weightBps * 1e18) / (10 ** decimals * 10 ** priceDecimals * BPS);
    }

    /// @notice Size-scaling de-weighting (seed 002): value above `maxNotionalUsd18` counts at 50%.
    /// @dev Continuous, non-decreasing in `value18`, and concave through 0, so the effective weight
    /// (result / value18) is non-increasing in the balance.
    function sizeScaled(uint256 value18, uint256 maxNotionalUsd18) internal pure returns (uint256) {
        if (value18 <= maxNotionalUsd18) return value18;
        return maxNotionalUsd18 + ((value18 - maxNotionalUsd18) * SIZE_SCALING_EXCESS_BPS) / BPS;
    }

    function _ceilDiv(uint256 num, uint256 den) private pure returns (uint256) {
        if (num == 0) return 0;
        return (num - 1) / den + 1;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title LiquidationMath — liquidation sizing, fillable price, bankruptcy price and the insurance delta per
/// fill (LIQ-1..3, LIQ-6, LIQ-7), pure so the prover can extract it
/// @notice Units: notionals, quotes, fees and margins in USDC units (6 dp); prices in USDC units per whole base
/// token; `unit` = 10**baseDecimals; portions and rates in ppm (1e6). `tnc` / `tmmr` (the account's total net
/// collateral and total maintenance margin) may be in any common scale (the engine passes the QRE's 18-dp
/// values): only their ratio is used. The formulas are dYdX v4's (x/clob/keeper/liquidations.go:
/// GetFillablePrice, GetBankruptcyPriceInQuoteQuantums, GetLiquidationInsuranceFundDelta).
library LiquidationMath {
    uint256 internal constant PPM = 1_000_000;
    /// @dev Largest uint256 that converts to int256 unchanged.
    uint256 internal constant MAX_INT = 2 ** 255 - 1;

    error ValueTooLarge(uint256 value);

    /// @notice Notional to liquidate this call:
    ///   min(positionNotional, max(minNotional, positionNotional·maxPortionPpm/PPM), blockRemainingNotional)
    /// @dev The portion rounds DOWN; `minNotional` lifts small portions (a position below the minimum is
    /// closed entirely, seed 004 case 1); the result never exceeds the position (LIQ-1) nor what the
    /// account may still lose this block (LIQ-2).
    function liquidationNotional(
        uint256 positionNotional,
        uint256 minNotional,
        uint256 maxPortionPpm,
        uint256 blockRemainingNotional
    ) internal pure returns (uint256) {
        uint256 portion = positionNotional * maxPortionPpm / PPM;
        uint256 n = portion > minNotional ? portion : minNotional;
        if (n > positionNotional) n = positionNotional;
        if (n > blockRemainingNotional) n = blockRemainingNotional;
        return n;
    }

    /// @notice Fee cap of one fill = quote · min(feePpm, maxFeePpm) / PPM, rounded DOWN, so
    /// fee ≤ maxFeePpm·quote/PPM (LIQ-3).
    function liquidationFee(uint256 notional, uint256 feePpm, uint256 maxFeePpm) internal pure returns (uint256) {
        uint256 rate = feePpm < maxFeePpm ? feePpm : maxFeePpm;
        return notional * rate / PPM;
    }

    /// @notice The account's share of its net collateral carried by the closed part: ⌊tnc · dmmr / tmmr⌋
    /// (rounded toward −∞, as dYdX's Euclidean `Div`), 0 when the account has no maintenance margin.
    /// @dev `dmmr` = maintenance margin released by the close (MM before − MM after, tiers included).
    function bankruptcyShare(int256 tnc, uint256 dmmr, uint256 tmmr) internal pure returns (int256) {
        if (tmmr == 0) return 0;
        if (dmmr > MAX_INT) revert ValueTooLarge(dmmr);
        if (tmmr > MAX_INT) revert ValueTooLarge(tmmr);
        int256 num = tnc * int256(dmmr);
        int256 den = int256(tmmr);
        int256 q = num / den;
        if (num % den != 0 && num < 0) q -= 1;
        return q;
    }

    /// @notice Insurance delta of one fill, d = fill quote − bankruptcy quote of the filled size, in the
    /// liquidated account's quote-delta convention (dYdX): a long SELLS (quote +q, bankruptcy quote
    /// v − share), a short BUYS (quote −q, bankruptcy quote −v − share), v = the filled size at the oracle.
    /// d < 0: the fund pays −d; d > 0: the account may pay a fee up to d.
    function insuranceDelta(
        bool isLong,
        uint256 fillQuote,
        uint256 oracleValue,
        int256 tnc,
        uint256 dmmr,
        uint256 tmmr
    ) internal pure returns (int256) {
        if (fillQuote > MAX_INT) revert ValueTooLarge(fillQuote);
        if (oracleValue > MAX_INT) revert ValueTooLarge(oracleValue);
        int256 share = bankruptcyShare(tnc, dmmr, tmmr);
        int256 q = int256(fillQuote);
        int256 v = int256(oracleValue);
        return isLong ? q - v + share : v - q + share;
    }

    /// @notice Fee of a fill with insurance delta `delta` and fee cap `maxFee`: min(maxFee, d) when d > 0, else 0.
    function feeFromDelta(int256 delta, uint256 maxFee) internal pure returns (uint256) {
        if (delta <= 0) return 0;
        uint256 d = uint256(delta);
        return maxFee < d ? maxFee : d;
    }

    /// @notice MaxQuantumsInsuranceLost per fill: a fill whose fund loss (−d when d < 0) would take the account's
    /// block total past `limit` is rejected (`ok` false, `newUsed` unchanged); otherwise it is admitted and
    /// counted. (used + loss > limit ⇔ loss > limit − used, saturating at 0, since loss > 0.)
    function admitFill(int256 delta, uint256 used, uint256 limit) internal pure returns (bool ok, uint256 newUsed) {
        if (delta >= 0) return (true, used);
        newUsed = used + uint256(-delta);
        if (newUsed > limit) return (false, used);
        return (true, newUsed);
    }

    /// @notice dYdX's adjusted bankruptcy rating ABR = clamp(BA·(1 − tnc/tmmr), 0, 1), in ppm, rounded DOWN.
    function adjustedBankruptcyRating(int256 tnc, uint256 tmmr, uint256 baPpm) internal pure returns (uint256 abr) {
        if (tmmr == 0) return 0;
        if (tmmr > MAX_INT) revert ValueTooLarge(tmmr);
        int256 m = int256(tmmr);
        if (tnc >= m) return 0;
        abr = baPpm * uint256(m - tnc) / tmmr;
        if (abr > PPM) abr = PPM;
    }

    /// @notice dYdX's fillable price: oracle ∓ ABR·SMMR·PMMR / size. A long's liquidation sells and takes bids
    /// ≥ the result; a short's buys and takes asks ≤ it.
    /// @dev One division, rounded DOWN, so the bound is never looser than dYdX's rational one. No overflow for
    /// abr, smmr ≤ PPM, pmmr < 2^96, unit ≤ 10^30 (2^236 at most).
    function fillablePrice(
        bool isLong,
        uint256 oraclePrice,
        uint256 abrPpm,
        uint256 smmrPpm,
        uint256 pmmr,
        uint256 size,
        uint256 unit
    ) internal pure returns (uint256) {
        uint256 delta = abrPpm * smmrPpm * pmmr * unit / (PPM * PPM * size);
        if (isLong) return delta < oraclePrice ? oraclePrice - delta : 0;
        return oraclePrice + delta;
    }
}

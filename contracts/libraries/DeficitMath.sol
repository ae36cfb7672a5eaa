// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title DeficitMath — the steps of the deficit waterfall, each `min(available, remaining)`.
/// @notice Keeping every step as "use min, subtract" makes the remaining deficit non-increasing and never
/// negative by construction (CONV-4), and makes conservation (DEBT-1) a sum of the `used` amounts.
library DeficitMath {
    /// @notice Debit the user's free USDC first.
    function takeFree(uint256 deficit, uint256 free) internal pure returns (uint256 used, uint256 remaining) {
        used = free < deficit ? free : deficit;
        remaining = deficit - used;
    }

    /// @notice From a collateral sale's realised proceeds, pay at most what is still owed; the surplus
    /// (`received - paid`) stays with the user.
    function payToInsurance(uint256 received, uint256 remaining)
        internal
        pure
        returns (uint256 paid, uint256 newRemaining)
    {
        paid = received < remaining ? received : remaining;
        newRemaining = remaining - paid;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title LockMath — Stage 7 position-open backing arithmetic.
/// @notice Pure rules for how much USDC a new allocation locks, how the virtual remainder is checked against
/// risk-engine equity, and how much a (partial) release may unlock. The prover extracts these functions
/// (names and signatures are fixed in docs/DESIGN.md), so they stay small and branch-light.
library LockMath {
    /// @dev Written into `PositionAllocation.lockVersion` by every post-upgrade write.
    uint8 internal constant LOCK_VERSION_STAGE7 = 1;
    /// @dev `10**(18 - decimals)` is only defined (and overflow-free) for decimals ≤ 18.
    uint8 internal constant MAX_COLLATERAL_DECIMALS = 18;
    uint256 internal constant PPM = 1_000_000;

    /// @notice Splits an allocation into USDC actually locked and the virtual (equity-backed) remainder.
    /// @dev ISOLATED is USDC-only: ok iff `freeBalance ≥ amount`, then everything is locked. CROSS locks what
    /// USDC there is (up to `amount`) and reports the rest as virtual backing, which the caller must check
    /// against risk-engine equity.
    function splitLock(uint256 amount, uint256 freeBalance, bool isolated)
        internal
        pure
        returns (bool ok, uint256 toLock, uint256 virtualBacking)
    {
        if (isolated) {
            if (freeBalance < amount) return (false, 0, 0);
            return (true, amount, 0);
        }
        toLock = freeBalance < amount ? freeBalance : amount;
        return (true, toLock, amount - toLock);
    }

    /// @notice Collateral units → 18-decimal USD (USDC is valued 1:1). Reverts for decimals > 18.
    function scaleTo18(uint256 amount, uint8 decimals) internal pure returns (uint256) {
        return amount * 10 ** (MAX_COLLATERAL_DECIMALS - decimals);
    }

    /// @notice Equity a CROSS open with virtual backing needs: current maintenance margin plus the new
    /// position's full initial margin (the seed's conservative rule: IM ≥ MM, so this over-approximates).
    function requiredEquity18(uint256 mm18, uint256 amount, uint8 decimals) internal pure returns (uint256) {
        return mm18 + scaleTo18(amount, decimals);
    }

    /// @notice USDC actually locked for an allocation.
    /// @dev Disambiguated legacy rule: a record written before the Stage 7 upgrade has `lockVersion == 0` and
    /// locked its whole `amount`; a record written after it carries its real `usdcLocked` (possibly 0 for a
    /// fully virtual-backed position). The seed's `usdcLocked == 0 && amount > 0` test cannot tell those
    /// two apart (see tests/fixtures/contracts/SeedLockRule.sol).
    function effectiveLocked(uint128 amount, uint128 usdcLocked, uint8 lockVersion) internal pure returns (uint256) {
        if (lockVersion == 0) return amount;
        return usdcLocked;
    }

    /// @notice Share of `locked` released by closing `fractionPpm` / 1e6 of a position, rounded DOWN so that
    /// rounding dust stays locked with the remaining position (the protocol's favour).
    function partialUnlock(uint256 locked, uint256 fractionPpm) internal pure returns (uint256) {
        return (locked * fractionPpm) / PPM;
    }
}

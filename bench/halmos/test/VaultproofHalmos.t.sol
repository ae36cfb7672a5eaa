// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LockMath} from "vaultproof-contracts/libraries/LockMath.sol";
import {CollateralMath} from "vaultproof-contracts/libraries/CollateralMath.sol";

/// @notice halmos `check_` twins of three Z3 properties, for the bench's time ratio. Same statements as the
/// models; halmos explores them over 256-bit bit-vectors (bounded), the models over ranged integers.
contract VaultproofHalmosTest {
    /// ALLOC-1: toLock ≤ amount and toLock ≤ freeBalance.
    function check_ALLOC1_toLockBounded(uint256 amount, uint256 freeBalance, bool isolated) public pure {
        (bool ok, uint256 toLock,) = LockMath.splitLock(amount, freeBalance, isolated);
        if (ok) {
            assert(toLock <= amount);
            assert(toLock <= freeBalance);
        }
    }

    /// BF-2: the legacy rule never applies to a record written after the upgrade (lockVersion ≥ 1).
    function check_BF2_postUpgradeUsesUsdcLocked(uint128 amount, uint128 usdcLocked, uint8 lockVersion) public pure {
        if (lockVersion == 0 || usdcLocked > amount) return;
        assert(LockMath.effectiveLocked(amount, usdcLocked, lockVersion) == usdcLocked);
    }

    /// CONV-1 (rounding part): minProceeds · den ≥ qty · price · liqFactor · 10^6, WBTC 8 / USDC 6 / oracle 8,
    /// at the model's declared ranges (qty < 2^96, price < 2^64, liqFactor ≤ 1e4).
    function check_CONV1_minProceedsRoundsUp(uint96 qty, uint64 price, uint16 liqFactorBps) public pure {
        if (liqFactorBps > 10_000) return;
        uint256 mp = CollateralMath.minProceeds(qty, 8, price, 8, 6, liqFactorBps);
        uint256 exact = uint256(qty) * price * liqFactorBps * 1e6;
        assert(mp * (1e8 * 1e8 * 10_000) >= exact);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MarginTable} from "../../../../contracts/libraries/MarginTable.sol";

/// @notice The Hyperliquid-style rows both the liquidation fixture and the margin-table tests start from:
/// 50x (MM 1%) up to $1M, 20x to $5M, 10x to $20M, 5x above. Deductions are left 0 for the caller (the arch
/// or `MarginTable.deductionFor`) to compute.
library TierRows {
    uint256 internal constant USD = 1e6;

    function fillFirstFour(MarginTable.Tier[] memory t) internal pure {
        t[0] = MarginTable.Tier(0, 50, 0);
        t[1] = MarginTable.Tier(1_000_000 * USD, 20, 0);
        t[2] = MarginTable.Tier(5_000_000 * USD, 10, 0);
        t[3] = MarginTable.Tier(20_000_000 * USD, 5, 0);
    }
}

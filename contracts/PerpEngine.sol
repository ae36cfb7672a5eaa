// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PerpArchBase} from "./PerpArchBase.sol";
import {IBalanceManagerVault} from "./interfaces/IBalanceManagerVault.sol";
import {IPriceOracle} from "./interfaces/IPriceOracle.sol";

/// @title PerpEngine — Monad-style monolithic settlement arch
/// @notice Matching, position store and settlement live in one contract; every position change (open, close,
/// liquidation) funnels into the single internal `_handlePositionCallback`, which is the only place that talks
/// to the BalanceManagerVault's release callbacks (seed 000: "Monad PerpEngine._handlePositionCallback").
contract PerpEngine is PerpArchBase {
    constructor(address owner_, IBalanceManagerVault vault_, IPriceOracle oracle_)
        PerpArchBase(owner_, vault_, oracle_)
    {}

    function _settle(address user, bytes32 posKey, uint256 fractionPpm, int256 pnl) internal override {
        _handlePositionCallback(user, posKey, fractionPpm, pnl);
    }

    /// @dev Whole close → `releaseFromPosition`; partial → `partialReleaseFromPosition` (same as the router).
    function _handlePositionCallback(address user, bytes32 posKey, uint256 fractionPpm, int256 pnl) internal {
        if (fractionPpm >= PPM) {
            vault.releaseFromPosition(user, posKey, pnl);
        } else {
            vault.partialReleaseFromPosition(user, posKey, fractionPpm, pnl);
        }
    }
}

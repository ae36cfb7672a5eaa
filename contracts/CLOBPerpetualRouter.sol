// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PerpArchBase} from "./PerpArchBase.sol";
import {IBalanceManagerVault} from "./interfaces/IBalanceManagerVault.sol";
import {IPriceOracle} from "./interfaces/IPriceOracle.sol";

/// @title CLOBPerpetualRouter — modular settlement arch
/// @notice The modular arch: the router is the settlement entry point and the LiquidationEngine reaches it
/// through `onPositionLiquidated` (seed 000: "releaseFromPosition ← modular CLOBPerpetualRouter.
/// onPositionLiquidated"). It settles through the SAME vault callbacks as PerpEngine, so a change to the
/// vault's release logic (Stage 5/7) is shared by both arches (ST-8 parity).
contract CLOBPerpetualRouter is PerpArchBase {
    constructor(address owner_, IBalanceManagerVault vault_, IPriceOracle oracle_)
        PerpArchBase(owner_, vault_, oracle_)
    {}

    function _settle(address user, bytes32 posKey, uint256 fractionPpm, int256 pnl) internal override {
        if (fractionPpm < PPM) {
            vault.partialReleaseFromPosition(user, posKey, fractionPpm, pnl);
        } else {
            vault.releaseFromPosition(user, posKey, pnl);
        }
    }
}

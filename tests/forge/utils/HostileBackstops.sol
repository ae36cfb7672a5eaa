// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInsuranceFund} from "../../../contracts/interfaces/IInsuranceFund.sol";
import {IAdlEngine} from "../../../contracts/interfaces/IAdlEngine.sol";

/// @notice Test double: an insurance fund whose every call reverts (a broken upgrade, a paused fund, a fund that
/// has not authorized the vault). The vault must treat it as paying nothing and finish the settlement.
contract RevertingInsuranceFund is IInsuranceFund {
    error FundBroken();

    function depositFunding(uint256) external pure {
        revert FundBroken();
    }

    function coverDeficit(address, uint256) external pure returns (uint256) {
        revert FundBroken();
    }

    function balance() external pure returns (uint256) {
        revert FundBroken();
    }

    function remainingBlockCapacity() external pure returns (uint256) {
        revert FundBroken();
    }
}

/// @notice Test double: an insurance fund that claims to pay in full but moves nothing. The vault measures the
/// payout as the beneficiary's balance delta, so a lying return value pays (and records) nothing.
contract LyingInsuranceFund is IInsuranceFund {
    function depositFunding(uint256) external {}

    function coverDeficit(address, uint256 amount) external pure returns (uint256) {
        return amount;
    }

    function balance() external pure returns (uint256) {
        return type(uint256).max;
    }

    function remainingBlockCapacity() external pure returns (uint256) {
        return type(uint256).max;
    }
}

/// @notice Test double: an ADL engine whose `socialize` reverts (e.g. its registry is full or it is paused).
contract RevertingAdlEngine is IAdlEngine {
    error AdlBroken();

    function socialize(address, bool, uint256) external pure returns (uint256, uint256) {
        revert AdlBroken();
    }

    function totalRecordedShortfall() external pure returns (uint256) {
        return 0;
    }
}

/// @notice Test double: a contract with a non-reverting fallback and no insurance functions (e.g. the insurance
/// address misconfigured to a wallet contract). Every call "succeeds" with empty return data.
contract SilentFallback {
    fallback() external {}
}

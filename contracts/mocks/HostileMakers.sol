// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMakerHook} from "../interfaces/IMakerHook.sol";
import {IBalanceManagerVault} from "../interfaces/IBalanceManagerVault.sol";

/// @notice Test-only maker hook that tries to re-enter the vault from inside a liquidation sale (Stage 5's
/// "malicious maker hook"). It records whether each re-entry attempt succeeded and then returns normally, so
/// the fill itself stands and the test can check that the liquidation completed.
contract ReenteringMakerHook is IMakerHook {
    IBalanceManagerVault public immutable vault;
    bytes32 public targetPosKey;
    address public targetUser;

    uint256 public attempts;
    uint256 public successes;
    bytes[] public reverts; // revert data of each failed attempt, in order

    constructor(IBalanceManagerVault vault_) {
        vault = vault_;
    }

    function setTarget(address user, bytes32 posKey) external {
        targetUser = user;
        targetPosKey = posKey;
    }

    function onFill(uint256, address, bool, uint256, uint256) external {
        _try(abi.encodeCall(IBalanceManagerVault.releaseFromPosition, (targetUser, targetPosKey, int256(0))));
        _try(abi.encodeCall(IBalanceManagerVault.deallocateFromPosition, (targetUser, targetPosKey)));
        _try(abi.encodeWithSignature("sellCollateralGuarded(address,address,uint256)", targetUser, address(0), 1));
    }

    function _try(bytes memory data) private {
        attempts += 1;
        (bool ok, bytes memory ret) = address(vault).call(data);
        if (ok) successes += 1;
        else reverts.push(ret);
    }
}

/// @notice Test-only maker hook that reverts every fill; the book must isolate it (try/catch + gas cap).
contract RevertingMakerHook is IMakerHook {
    error HookRevert();

    function onFill(uint256, address, bool, uint256, uint256) external pure {
        revert HookRevert();
    }
}

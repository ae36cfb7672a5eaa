// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SystemInvariants} from "../SystemInvariants.sol";
import {IBalanceManager} from "../../../../contracts/interfaces/IBalanceManager.sol";
import {BrokenVaultDropsShortfall} from "./BrokenVaultDropsShortfall.sol";
import {BrokenVaultTopUpRecordsAmount} from "./BrokenVaultTopUpRecordsAmount.sol";
import {BrokenVaultUnlocksClaimedAmount} from "./BrokenVaultUnlocksClaimedAmount.sol";
import {BrokenVaultLaxFloor} from "./BrokenVaultLaxFloor.sol";
import {BrokenInsuranceNoBlockCap} from "./BrokenInsuranceNoBlockCap.sol";
import {BrokenCustodianForfeitKeepsLock} from "./BrokenCustodianForfeitKeepsLock.sol";
import {BrokenQreNoAssetCap} from "./BrokenQreNoAssetCap.sol";

/// @notice The shipped invariants over a deployment with one seeded defect each (generated variants, see
/// `properties/invariants.py`). Each suite's named invariant MUST fail; `tests/evidence/test_broken_invariants.py`
/// runs them and asserts forge reports the failure and its shrunk call sequence. `make forge` skips this
/// directory (these suites fail by design).
/// The vault is swapped by a UUPS upgrade of its proxy; the other contracts keep their storage and get the
/// variant's runtime code (`vm.etch`; immutables come from a deployment with the same constructor arguments).

contract BrokenDebt1Test is SystemInvariants {
    function _installVariant() internal override {
        vault.upgradeToAndCall(address(new BrokenVaultDropsShortfall()), "");
    }
}

contract BrokenAlloc6Test is SystemInvariants {
    function _installVariant() internal override {
        vault.upgradeToAndCall(address(new BrokenVaultTopUpRecordsAmount()), "");
    }
}

contract BrokenRel1Test is SystemInvariants {
    function _installVariant() internal override {
        vault.upgradeToAndCall(address(new BrokenVaultUnlocksClaimedAmount()), "");
    }
}

contract BrokenConv1Test is SystemInvariants {
    function _installVariant() internal override {
        vault.upgradeToAndCall(address(new BrokenVaultLaxFloor()), "");
    }
}

contract BrokenDebt3Test is SystemInvariants {
    function _installVariant() internal override {
        BrokenInsuranceNoBlockCap variant = new BrokenInsuranceNoBlockCap(
            address(this), IBalanceManager(address(bm)), address(usdc), INVARIANT_BLOCK_CAP
        );
        vm.etch(address(insurance), address(variant).code);
    }
}

contract BrokenDebt6Test is SystemInvariants {
    function _installVariant() internal override {
        vm.etch(address(bm), address(new BrokenCustodianForfeitKeepsLock(address(this))).code);
    }
}

contract BrokenQre4Test is SystemInvariants {
    function _installVariant() internal override {
        BrokenQreNoAssetCap variant =
            new BrokenQreNoAssetCap(address(this), address(bm), address(oracle), address(usdc), 6);
        vm.etch(address(qre), address(variant).code);
    }
}

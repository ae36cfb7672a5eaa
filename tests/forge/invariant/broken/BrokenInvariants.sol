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

/// @notice One shipped invariant each, over a deployment with one seeded defect (code variants declared in
/// `properties/invariants.py`). The `./Broken*.sol` imports exist only once vaultproof has generated them: it
/// stages this file beside them under `build/repro/broken/` and runs it there, so the project's own forge run
/// skips this directory (foundry.toml `skip`; these suites fail by design). Each suite's named invariant MUST
/// fail; `tests/evidence/test_bytecode_evidence.py` asserts forge reports the failure and its shrunk calls.
/// The vault is swapped by a UUPS upgrade of its proxy; the other contracts keep their storage and get the
/// variant's runtime code (`vm.etch`; immutables come from a deployment with the same constructor arguments).

contract BrokenDebt1Test is SystemInvariants {
    function _installVariant() internal override {
        vault.upgradeToAndCall(address(new BrokenVaultDropsShortfall()), "");
    }

    function invariant_DEBT_1_waterfall_conserves() public view {
        _check_DEBT_1_waterfall_conserves();
    }
}

contract BrokenAlloc6Test is SystemInvariants {
    function _installVariant() internal override {
        vault.upgradeToAndCall(address(new BrokenVaultTopUpRecordsAmount()), "");
    }

    function invariant_ALLOC_6_bookkeeping() public view {
        _check_ALLOC_6_bookkeeping();
    }
}

contract BrokenRel1Test is SystemInvariants {
    function _installVariant() internal override {
        vault.upgradeToAndCall(address(new BrokenVaultUnlocksClaimedAmount()), "");
    }

    function invariant_REL_1_release_bounded_by_lock() public view {
        _check_REL_1_release_bounded_by_lock();
    }
}

contract BrokenConv1Test is SystemInvariants {
    function _installVariant() internal override {
        vault.upgradeToAndCall(address(new BrokenVaultLaxFloor()), "");
    }

    function invariant_CONV_1_sales_clear_floor() public view {
        _check_CONV_1_sales_clear_floor();
    }
}

contract BrokenDebt3Test is SystemInvariants {
    function _installVariant() internal override {
        BrokenInsuranceNoBlockCap variant = new BrokenInsuranceNoBlockCap(
            address(this), IBalanceManager(address(bm)), address(usdc), INVARIANT_BLOCK_CAP
        );
        vm.etch(address(insurance), address(variant).code);
    }

    function invariant_DEBT_3_insurance_block_cap() public view {
        _check_DEBT_3_insurance_block_cap();
    }
}

contract BrokenDebt6Test is SystemInvariants {
    function _installVariant() internal override {
        vm.etch(address(bm), address(new BrokenCustodianForfeitKeepsLock(address(this))).code);
    }

    function invariant_DEBT_6_custody_solvent() public view {
        _check_DEBT_6_custody_solvent();
    }
}

contract BrokenQre4Test is SystemInvariants {
    function _installVariant() internal override {
        BrokenQreNoAssetCap variant =
            new BrokenQreNoAssetCap(address(this), address(bm), address(oracle), address(usdc), 6);
        vm.etch(address(qre), address(variant).code);
    }

    function invariant_QRE_4_caps() public view {
        _check_QRE_4_caps();
    }
}

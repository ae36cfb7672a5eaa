// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofDeploy} from "./utils/Deploy.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {BalanceManagerVault} from "../../contracts/BalanceManagerVault.sol";
import {BalanceManagerVaultV1} from "../../contracts/legacy/BalanceManagerVaultV1.sol";
import {IBalanceManagerVault} from "../../contracts/interfaces/IBalanceManagerVault.sol";
import {LockMath} from "../../contracts/libraries/LockMath.sol";
import {SeedLockRule} from "../fixtures/contracts/SeedLockRule.sol";

/// @notice V1 → current upgrade behind one UUPS proxy, and the legacy-record rule (BF-1, BF-2).
/// @dev Alice opens two legacy positions on V1 (CROSS $300, ISOLATED $200: both fully locked, $500 in the
/// BalanceManager). After the upgrade the records read lockVersion 0 / usdcLocked 0.
contract UpgradeTest is VaultproofDeploy {
    BalanceManagerVaultV1 internal v1;
    address internal proxy;
    bytes32 internal legacyCross;
    bytes32 internal legacyIso;
    bytes32 internal fresh;

    // keccak256(abi.encode(uint256(keccak256("vaultproof.storage.BalanceManagerVault")) - 1)) & ~0xff
    function _namespace() internal pure returns (bytes32) {
        return keccak256(abi.encode(uint256(keccak256("vaultproof.storage.BalanceManagerVault")) - 1))
            & ~bytes32(uint256(0xff));
    }

    function _afterDeploy() internal override {
        legacyCross = _posKey(ALICE, 1);
        legacyIso = _posKey(ALICE, 2);
        fresh = _posKey(ALICE, 3);

        BalanceManagerVaultV1 v1Impl = new BalanceManagerVaultV1();
        proxy = address(
            new ERC1967Proxy(
                address(v1Impl),
                abi.encodeCall(
                    BalanceManagerVaultV1.initialize, (address(this), address(bm), address(usdc), 6, address(insurance))
                )
            )
        );
        v1 = BalanceManagerVaultV1(proxy);
        v1.setSettlementRouter(address(this), true);
        bm.setOperator(proxy, true);
        insurance.setAuthorized(proxy, true);

        _deposit(ALICE, address(usdc), 600e6);
        v1.allocateForPosition(ALICE, legacyCross, MARKET, 300e6, BalanceManagerVaultV1.MarginMode.CROSS);
        v1.allocateForPosition(ALICE, legacyIso, MARKET, 200e6, BalanceManagerVaultV1.MarginMode.ISOLATED);
    }

    function _upgrade() internal returns (BalanceManagerVault upgraded) {
        BalanceManagerVault impl = new BalanceManagerVault();
        v1.upgradeToAndCall(
            address(impl), abi.encodeCall(BalanceManagerVault.initializeV2, (address(insurance), address(adl)))
        );
        upgraded = BalanceManagerVault(proxy);
        upgraded.setQuantumRiskEngine(address(qre));
        upgraded.setPoolManager(address(pm));
        upgraded.setPriceOracle(address(oracle));
        upgraded.setMaxCollateralSellSlippageBps(1_000);
        qre.setMarginVault(proxy);
    }

    function _lockedV(address user) internal view returns (uint256) {
        return bm.getLockedBalance(user, address(usdc), proxy);
    }

    // ------------------------------------------------------------------------------------------------

    function test_NamespaceIsErc7201() public view {
        vm.assertEq(_namespace(), 0x6e293fe0cf2c3701757a3a691157a3a22ebd0a80779a897b7c2c0d41c8a3d600, "slot");
        // first field of the struct (balanceManager) lives at the namespace root
        vm.assertEq(address(uint160(uint256(vm.load(proxy, _namespace())))), address(bm), "layout root");
    }

    function test_UpgradeKeepsLegacyRecordsAndState() public {
        BalanceManagerVault u = _upgrade();
        vm.assertEq(u.balanceManager(), address(bm), "V1 field kept");
        vm.assertEq(u.usdc(), address(usdc), "V1 field kept");
        vm.assertEq(uint256(u.collateralDecimals()), 6, "V1 field kept");
        vm.assertTrue(u.isSettlementRouter(address(this)), "routers kept");
        vm.assertEq(u.insuranceFund(), address(insurance), "initializeV2 wired insurance");

        IBalanceManagerVault.PositionAllocation memory a = u.getPositionAllocation(legacyCross);
        vm.assertTrue(a.exists, "legacy record exists");
        vm.assertEq(uint256(a.amount), 300e6, "amount");
        vm.assertEq(uint256(a.usdcLocked), 0, "appended field reads 0");
        vm.assertEq(uint256(a.lockVersion), 0, "legacy version");
        vm.assertEq(u.effectiveLocked(legacyCross), 300e6, "BF-1: legacy treated as fully locked");
        vm.assertEq(uint256(u.getUserAccount(ALICE).totalAllocated), 500e6, "account kept");
    }

    function test_InitializeV2OnlyOnceAndOnlyOwner() public {
        BalanceManagerVault u = _upgrade();
        vm.expectRevert();
        u.initializeV2(address(insurance), address(adl));
        vm.expectRevert();
        u.initialize(address(this), address(bm), address(usdc), 6, address(insurance), address(adl));
    }

    function test_UpgradeOnlyOwner() public {
        BalanceManagerVault impl = new BalanceManagerVault();
        vm.prank(BOB);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, BOB));
        v1.upgradeToAndCall(address(impl), "");
    }

    /// Legacy positions close unlocking exactly their amount.
    function test_LegacyPositionsCloseUnlockingExactlyTheirAmount() public {
        BalanceManagerVault u = _upgrade();
        vm.assertEq(_lockedV(ALICE), 500e6, "both legacy locks");

        u.releaseFromPosition(ALICE, legacyCross, 0);
        vm.assertEq(_lockedV(ALICE), 200e6, "exactly 300 unlocked");
        vm.assertEq(_free(ALICE, address(usdc)), 400e6, "free = 100 + 300");

        u.releaseFromPosition(ALICE, legacyIso, -int256(50e6));
        vm.assertEq(_lockedV(ALICE), 0, "exactly 200 released (150 unlocked, 50 forfeited)");
        vm.assertEq(_free(ALICE, address(usdc)), 550e6, "free = 400 + 150");
        vm.assertEq(uint256(u.getUserAccount(ALICE).totalAllocated), 0, "account cleared");
    }

    /// A partial close of a legacy record migrates it (lockVersion 1, usdcLocked = the rest of its lock).
    function test_LegacyPartialReleaseMigrates() public {
        BalanceManagerVault u = _upgrade();
        u.partialReleaseFromPosition(ALICE, legacyCross, 500_000, 0);
        IBalanceManagerVault.PositionAllocation memory a = u.getPositionAllocation(legacyCross);
        vm.assertEq(uint256(a.lockVersion), 1, "migrated");
        vm.assertEq(uint256(a.usdcLocked), 150e6, "rest of the legacy lock");
        vm.assertEq(uint256(a.amount), 150e6, "rest of the amount");
        vm.assertEq(_lockedV(ALICE), 350e6, "150 unlocked of 500");
    }

    /// Top-up of a legacy record migrates it first (usdcLocked = amount) then adds the new lock.
    function test_LegacyTopUpMigratesBeforeAdding() public {
        BalanceManagerVault u = _upgrade();
        u.allocateForPosition(ALICE, legacyCross, MARKET, 50e6, IBalanceManagerVault.MarginMode.CROSS);
        IBalanceManagerVault.PositionAllocation memory a = u.getPositionAllocation(legacyCross);
        vm.assertEq(uint256(a.lockVersion), 1, "migrated");
        vm.assertEq(uint256(a.amount), 350e6, "amount");
        vm.assertEq(uint256(a.usdcLocked), 350e6, "300 legacy + 50 new");
        vm.assertEq(_lockedV(ALICE), 550e6, "BalanceManager agrees");
        u.releaseFromPosition(ALICE, legacyCross, 0);
        vm.assertEq(_lockedV(ALICE), 200e6, "closing unlocks exactly 350");
    }

    /// BF-2, shipped rule: a NEW fully virtual-backed position closes without unlocking USDC it never locked,
    /// even though the same (user, USDC, vault) lock bucket holds the legacy positions' $500.
    function test_NewVirtualBackedPositionUnlocksNothing() public {
        BalanceManagerVault u = _upgrade();
        _deposit(ALICE, address(wbtc), 200_000); // $170 of WBTC backs it
        // spend Alice's last free USDC so the new position is fully virtual
        u.allocateForPosition(ALICE, _posKey(ALICE, 9), MARKET, 100e6, IBalanceManagerVault.MarginMode.ISOLATED);
        vm.assertEq(_free(ALICE, address(usdc)), 0, "no free USDC");

        u.allocateForPosition(ALICE, fresh, MARKET, 100e6, IBalanceManagerVault.MarginMode.CROSS);
        IBalanceManagerVault.PositionAllocation memory a = u.getPositionAllocation(fresh);
        vm.assertEq(uint256(a.usdcLocked), 0, "fully virtual");
        vm.assertEq(uint256(a.lockVersion), 1, "post-upgrade record");
        uint256 lockedBefore = _lockedV(ALICE);
        vm.assertEq(lockedBefore, 600e6, "legacy 500 + isolated 100");

        u.releaseFromPosition(ALICE, fresh, 0);
        vm.assertEq(_lockedV(ALICE), lockedBefore, "nothing unlocked");
        vm.assertEq(_free(ALICE, address(usdc)), 0, "no USDC appeared");
        vm.assertEq(u.effectiveLocked(legacyCross), 300e6, "legacy backing intact");
    }

    /// BF-2, the seed's rule (fixture): on the same record it would unlock $100 that was never locked for
    /// this position — and the BalanceManager would not stop it, since the bucket holds the legacy locks.
    function test_SeedRuleWouldUnlockWrongly() public {
        BalanceManagerVault u = _upgrade();
        _deposit(ALICE, address(wbtc), 200_000);
        u.allocateForPosition(ALICE, _posKey(ALICE, 9), MARKET, 100e6, IBalanceManagerVault.MarginMode.ISOLATED);
        u.allocateForPosition(ALICE, fresh, MARKET, 100e6, IBalanceManagerVault.MarginMode.CROSS);
        IBalanceManagerVault.PositionAllocation memory a = u.getPositionAllocation(fresh);

        uint256 seed = SeedLockRule.effectiveLocked(a.amount, a.usdcLocked);
        uint256 shipped = LockMath.effectiveLocked(a.amount, a.usdcLocked, a.lockVersion);
        vm.assertEq(shipped, 0, "shipped: nothing was locked");
        vm.assertEq(seed, 100e6, "seed rule: claims the whole amount");
        vm.assertGe(_lockedV(ALICE), seed, "the unlock would succeed silently");
        // ...and on a legacy record the two rules agree (BF-1)
        IBalanceManagerVault.PositionAllocation memory l = u.getPositionAllocation(legacyCross);
        vm.assertEq(SeedLockRule.effectiveLocked(l.amount, l.usdcLocked), 300e6, "seed on legacy");
        vm.assertEq(LockMath.effectiveLocked(l.amount, l.usdcLocked, l.lockVersion), 300e6, "shipped on legacy");
    }

    /// DEBT-1 counterexample on V1: a deficit beyond free USDC is silently dropped (no insurance draw, no event).
    function test_V1DropsResidualDeficit() public {
        // Alice: $100 free, CROSS $300 locked. Loss $450 → forfeit 300, deficit 150, only 100 free.
        uint256 insBefore = _insuranceBalance();
        v1.releaseFromPosition(ALICE, legacyCross, -int256(450e6));
        vm.assertEq(_insuranceBalance() - insBefore, 400e6, "only 300 + 100 collected");
        vm.assertEq(_free(ALICE, address(usdc)), 0, "free USDC drained");
        // 450 lost, 400 collected: $50 vanished — nothing records it
        vm.assertEq(insurance.paidInBlock(), 0, "insurance never asked");
        vm.assertEq(adl.calls(), 0, "ADL never asked");
    }

    /// The same close after the upgrade: the $50 goes through the waterfall and is accounted for.
    function test_CurrentVaultAccountsTheResidual() public {
        BalanceManagerVault u = _upgrade();
        vm.expectEmit(true, false, false, true, proxy);
        emit IBalanceManagerVault.DeficitSettled(ALICE, 150e6, 100e6, 0, 50e6, 0, 0);
        u.releaseFromPosition(ALICE, legacyCross, -int256(450e6));
    }
}

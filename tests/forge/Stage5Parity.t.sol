// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LiqFixture} from "./liquidation/utils/LiqFixture.sol";
import {Vm} from "./utils/Vm.sol";
import {PerpArchBase} from "../../contracts/PerpArchBase.sol";
import {IBalanceManagerVault} from "../../contracts/interfaces/IBalanceManagerVault.sol";
import {ILiquidationEngine} from "../../contracts/interfaces/ILiquidationEngine.sol";

/// @notice Seed 000 "both arches per parity rule" and seed 001 scenario 8 end to end: a mostly virtual-backed
/// BTC perp long is opened through each arch (PerpEngine, CLOBPerpetualRouter), the price falls, the real
/// LiquidationEngine liquidates it, and the vault's Stage 5 conversion sells the user's WBTC on the spot book —
/// with identical vault-side outcomes for both arches (ST-8).
/// @dev Alice: $100 USDC + 0.01 WBTC. Long 0.1 BTC at $50,000, 10x → IM $500 ($100 locked, $400 virtual).
/// BTC falls to $40,000 (−$1,000): equity < MM, the liquidation realises the loss and the vault covers the
/// deficit beyond the $100 lock by selling WBTC at ≥ $80,750 (bid at $84,000).
contract Stage5ParityTest is LiqFixture {
    struct Outcome {
        uint256 wbtcSold;
        uint256 insuranceGain;
        uint256 aliceUsdc;
        uint256 lockedAfter;
        bool sold;
        bool settled;
        uint256 fromCollateral;
    }

    function _scenario(PerpArchBase arch) internal returns (Outcome memory o) {
        _deposit(ALICE, address(usdc), 100e6);
        _deposit(ALICE, address(wbtc), 1e6);
        _bid(MAKER, wbtcBook, 84_000e6, 2e6);
        bytes32 key = _open(arch, ALICE, true, ONE_BTC / 10, 10);
        IBalanceManagerVault.PositionAllocation memory a = vault.getPositionAllocation(key);
        vm.assertEq(uint256(a.usdcLocked), 100e6, "all USDC locked");
        vm.assertGt(uint256(a.amount), uint256(a.usdcLocked), "rest virtual (Stage 7)");

        _setPrice(40_000);
        oracle.setPrice(SYM_WBTC, WBTC_PRICE, 8); // keep the collateral feed fresh
        uint256 insBefore = _insuranceBalance();
        vm.recordLogs();
        _liquidate(arch, keeper, ALICE, true, 40_000 * USD);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(vault)) continue;
            if (logs[i].topics[0] == IBalanceManagerVault.CollateralSold.selector) o.sold = true;
            if (logs[i].topics[0] == IBalanceManagerVault.DeficitSettled.selector) {
                o.settled = true;
                (,, o.fromCollateral,,,) =
                    abi.decode(logs[i].data, (uint256, uint256, uint256, uint256, uint256, uint256));
            }
        }
        o.wbtcSold = 1e6 - _free(ALICE, address(wbtc));
        o.insuranceGain = _insuranceBalance() > insBefore ? _insuranceBalance() - insBefore : 0;
        o.aliceUsdc = _free(ALICE, address(usdc));
        o.lockedAfter = _lockedUsdc(ALICE);
    }

    function test_PerpEngineLiquidationTriggersStage5() public {
        Outcome memory o = _scenario(perp);
        vm.assertTrue(o.settled, "deficit went through the waterfall");
        vm.assertTrue(o.sold, "WBTC was sold");
        // the deficit beyond the $100 lock exceeds what 0.01 WBTC fetches: all of it is sold at the $84,000 bid
        vm.assertEq(o.wbtcSold, 1e6, "all 0.01 WBTC sold");
        vm.assertEq(o.fromCollateral, 840e6, "0.01 x 84,000 paid to insurance");
        vm.assertEq(o.lockedAfter, 0, "lock settled");
    }

    function test_RouterLiquidationTriggersStage5() public {
        Outcome memory o = _scenario(router);
        vm.assertTrue(o.settled, "deficit went through the waterfall");
        vm.assertTrue(o.sold, "WBTC was sold");
        vm.assertEq(o.fromCollateral, 840e6, "0.01 x 84,000 paid to insurance");
    }

    /// Parity: the same account, the same liquidation, either arch → the same vault-side outcome.
    function test_BothArchesSameOutcome() public {
        uint256 snap = vm.snapshotState();
        Outcome memory p = _scenario(perp);
        vm.revertToState(snap);
        Outcome memory r = _scenario(router);
        vm.assertEq(p.wbtcSold, r.wbtcSold, "same WBTC sold");
        vm.assertEq(p.fromCollateral, r.fromCollateral, "same collateral proceeds used");
        vm.assertEq(p.insuranceGain, r.insuranceGain, "same insurance change");
        vm.assertEq(p.aliceUsdc, r.aliceUsdc, "same USDC left to the user");
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofDeploy} from "./utils/Deploy.sol";
import {RevertingInsuranceFund, LyingInsuranceFund, SilentFallback} from "./utils/HostileBackstops.sol";
import {InsuranceFund} from "../../contracts/InsuranceFund.sol";
import {BalanceManagerVault} from "../../contracts/BalanceManagerVault.sol";
import {IBalanceManagerVault} from "../../contracts/interfaces/IBalanceManagerVault.sol";
import {IBalanceManager} from "../../contracts/interfaces/IBalanceManager.sol";

/// @notice REL-2 (value conservation on close) for a profit the insurance fund cannot pay in full.
/// @dev Before the fix `_handleRelease` only emitted `ProfitPaid(requested, paid)` and the unpaid rest vanished
/// (harness counterexample: pnl 0.000001 USDC, the fund pays 0). Now the rest is the user's recorded claim
/// (`unpaidProfit`), paid later by `claimUnpaidProfit`. Every test asserts, in USDC units:
///   user's USDC change + recorded unpaid profit = realised PnL, and insurance's change = −(what it paid).
contract UnpaidProfitTest is VaultproofDeploy {
    bytes32 internal posA;
    bytes32 internal posB;

    function _afterDeploy() internal override {
        posA = _posKey(ALICE, 1);
        posB = _posKey(ALICE, 2);
        _deposit(ALICE, address(usdc), 100e6);
        vault.allocateForPosition(ALICE, posA, MARKET, 100e6, IBalanceManagerVault.MarginMode.CROSS);
    }

    /// @dev Replaces the vault's insurance fund with a fresh real one holding `balance_` with a block cap.
    function _newFund(uint256 balance_, uint256 blockCap) internal {
        insurance = new InsuranceFund(address(this), IBalanceManager(address(bm)), address(usdc), blockCap);
        bm.setOperator(address(insurance), true);
        insurance.setAuthorized(address(vault), true);
        vault.setInsuranceFund(address(insurance));
        if (balance_ > 0) _deposit(address(insurance), address(usdc), balance_);
    }

    /// @dev The user's USDC claims on the custodian (free + locked by the vault).
    function _userUsdc() internal view returns (uint256) {
        return _free(ALICE, address(usdc)) + _lockedUsdc(ALICE);
    }

    /// Closes posA at a 40 USDC profit, expecting the fund to pay `paid` of it now and `owed` to be recorded.
    function _closeAt40Expecting(uint256 paid, uint256 owed) internal {
        vm.expectEmit(true, true, false, true, address(vault));
        emit BalanceManagerVault.ProfitPaid(ALICE, posA, 40e6, paid);
        vm.expectEmit(true, true, false, true, address(vault));
        emit IBalanceManagerVault.ProfitUnpaid(ALICE, posA, owed, owed);
        vault.releaseFromPosition(ALICE, posA, int256(40e6));
    }

    /// Closes posA at a 40 USDC profit with `fund` (one that pays nothing) as the insurance fund: the close
    /// completes, only the margin comes back, the whole profit is owed, and a claim against the same fund pays
    /// 0 without reverting and keeps the claim.
    function _closeAgainstNonPayingFund(address fund) internal {
        vault.setInsuranceFund(fund);
        vault.releaseFromPosition(ALICE, posA, int256(40e6));
        vm.assertEq(_free(ALICE, address(usdc)), 100e6, "margin unlocked, nothing paid");
        vm.assertEq(vault.unpaidProfit(ALICE), 40e6, "whole profit owed");
        vm.assertEq(_claim(), 0, "a claim against the same fund pays 0");
        vm.assertEq(vault.unpaidProfit(ALICE), 40e6, "and keeps the claim");
    }

    function _claim() internal returns (uint256 paid) {
        vm.prank(ALICE);
        paid = vault.claimUnpaidProfit();
    }

    // ------------------------------------------------------------------------------------- recorded

    /// The regression for the harness's counterexample itself: 0.000001 USDC of profit, the fund pays 0.
    function test_HarnessCounterexample_OneUnitProfitIsRecorded() public {
        _newFund(0, INSURANCE_BLOCK_CAP);
        vault.releaseFromPosition(ALICE, posA, int256(1));
        vm.assertEq(vault.unpaidProfit(ALICE), 1, "0.000001 USDC owed, not dropped");
        vm.assertEq(_userUsdc(), 100e6, "margin returned");
    }

    /// Empty insurance: the whole profit is recorded, exactly, and emitted; the margin is unlocked.
    function test_EmptyInsurance_ProfitRecordedExactly() public {
        _newFund(0, INSURANCE_BLOCK_CAP);
        uint256 userBefore = _userUsdc();
        uint256 insBefore = _insuranceBalance();

        _closeAt40Expecting(0, 40e6);

        vm.assertEq(_free(ALICE, address(usdc)), 100e6, "margin unlocked");
        vm.assertEq(_lockedUsdc(ALICE), 0, "nothing left locked");
        vm.assertEq(vault.unpaidProfit(ALICE), 40e6, "whole profit owed");
        vm.assertEq(vault.totalUnpaidProfit(), 40e6, "total owed");
        // conservation (USDC units): user's change + recorded unpaid profit = pnl; insurance's change = 0
        vm.assertEq(_userUsdc() - userBefore + vault.unpaidProfit(ALICE), 40e6, "REL-2");
        vm.assertEq(_insuranceBalance(), insBefore, "fund paid nothing");
        _assertSolvent(address(usdc));
    }

    /// Later funded: `claimUnpaidProfit` pays the claim in full and clears it.
    function test_LaterFunded_ClaimPaysInFull() public {
        _newFund(0, INSURANCE_BLOCK_CAP);
        vault.releaseFromPosition(ALICE, posA, int256(40e6));
        vm.assertEq(_claim(), 0, "empty fund: nothing paid yet");
        vm.assertEq(vault.unpaidProfit(ALICE), 40e6, "still owed");

        _deposit(address(insurance), address(usdc), 1_000e6);
        vm.roll(block.number + 1);
        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.UnpaidProfitClaimed(ALICE, 40e6, 0);
        vm.assertEq(_claim(), 40e6, "paid");

        vm.assertEq(_free(ALICE, address(usdc)), 140e6, "margin + whole profit");
        vm.assertEq(vault.unpaidProfit(ALICE), 0, "claim cleared");
        vm.assertEq(vault.totalUnpaidProfit(), 0, "total cleared");
        vm.assertEq(_insuranceBalance(), 960e6, "fund paid exactly the profit");
        vm.assertEq(_claim(), 0, "a second claim pays nothing");
        vm.assertEq(_free(ALICE, address(usdc)), 140e6, "and moves nothing");
        _assertSolvent(address(usdc));
    }

    /// The fund holds less than the profit: it pays its balance now, the rest is owed and paid once refilled.
    function test_FundBalanceShort_PartiallyPaysThenClaim() public {
        _newFund(25e6, INSURANCE_BLOCK_CAP);
        vm.expectEmit(true, true, false, true, address(vault));
        emit IBalanceManagerVault.ProfitUnpaid(ALICE, posA, 15e6, 15e6);
        vault.releaseFromPosition(ALICE, posA, int256(40e6));
        vm.assertEq(_free(ALICE, address(usdc)), 125e6, "margin + the 25 the fund had");
        vm.assertEq(vault.unpaidProfit(ALICE), 15e6, "rest owed");
        vm.assertEq(_insuranceBalance(), 0, "fund emptied");

        _deposit(address(insurance), address(usdc), 10e6);
        vm.assertEq(_claim(), 10e6, "pays what it has");
        vm.assertEq(vault.unpaidProfit(ALICE), 5e6, "rest still owed");
        vm.assertEq(_free(ALICE, address(usdc)) - 100e6 + vault.unpaidProfit(ALICE), 40e6, "REL-2 after claim");
    }

    /// Per-block cap (MaxQuantumsInsuranceLost): the close pays up to the cap, claims in later blocks pay the
    /// rest one cap at a time; at every step paid + owed = the realised profit.
    function test_PerBlockCap_PartiallyPaysAcrossBlocks() public {
        _newFund(1_000e6, 15e6);
        uint256 insBefore = _insuranceBalance();

        _closeAt40Expecting(15e6, 25e6);
        vm.assertEq(vault.unpaidProfit(ALICE), 25e6, "40 - cap 15");

        vm.assertEq(_claim(), 0, "same block: the cap is used up");
        vm.assertEq(vault.unpaidProfit(ALICE), 25e6, "nothing lost by an early claim");

        vm.roll(block.number + 1);
        vm.assertEq(_claim(), 15e6, "next block: one cap");
        vm.assertEq(vault.unpaidProfit(ALICE), 10e6, "rest owed");
        vm.roll(block.number + 1);
        vm.assertEq(_claim(), 10e6, "then the rest");
        vm.assertEq(vault.unpaidProfit(ALICE), 0, "settled");
        vm.assertEq(vault.totalUnpaidProfit(), 0, "total settled");

        vm.assertEq(_free(ALICE, address(usdc)), 140e6, "margin + whole profit");
        vm.assertEq(insBefore - _insuranceBalance(), 40e6, "insurance's change = -pnl");
        _assertSolvent(address(usdc));
    }

    /// Claims accumulate over closes (also partial closes) and the running total is their sum.
    function test_ClaimsAccumulateOverClosesAndPartialCloses() public {
        _newFund(0, INSURANCE_BLOCK_CAP);
        vault.partialReleaseFromPosition(ALICE, posA, 500_000, int256(7e6)); // half the position, +7
        vm.assertEq(vault.unpaidProfit(ALICE), 7e6, "partial close recorded");
        vault.releaseFromPosition(ALICE, posA, int256(3e6));
        vm.assertEq(vault.unpaidProfit(ALICE), 10e6, "accumulated");

        _deposit(BOB, address(usdc), 50e6);
        bytes32 bobPos = _posKey(BOB, 1);
        vault.allocateForPosition(BOB, bobPos, MARKET, 50e6, IBalanceManagerVault.MarginMode.ISOLATED);
        vault.releaseFromPosition(BOB, bobPos, int256(2e6));
        vm.assertEq(vault.unpaidProfit(BOB), 2e6, "isolated close recorded too");
        vm.assertEq(vault.totalUnpaidProfit(), 12e6, "total = sum of claims");

        _deposit(address(insurance), address(usdc), 100e6);
        vm.prank(BOB);
        vm.assertEq(vault.claimUnpaidProfit(), 2e6, "bob claims his own");
        vm.assertEq(vault.unpaidProfit(ALICE), 10e6, "alice's claim untouched");
        vm.assertEq(vault.totalUnpaidProfit(), 10e6, "total follows");
    }

    /// A losing close records no claim; a profitable one with an ample fund records none either.
    function test_NoClaimWhenPaidInFullOrLoss() public {
        vault.releaseFromPosition(ALICE, posA, int256(40e6)); // the deployed fund holds $100,000
        vm.assertEq(vault.unpaidProfit(ALICE), 0, "paid in full: nothing owed");
        vm.assertEq(_free(ALICE, address(usdc)), 140e6, "paid now");
        vault.allocateForPosition(ALICE, posB, MARKET, 50e6, IBalanceManagerVault.MarginMode.CROSS);
        vault.releaseFromPosition(ALICE, posB, -int256(10e6));
        vm.assertEq(vault.unpaidProfit(ALICE), 0, "a loss is no claim");
        vm.assertEq(vault.totalUnpaidProfit(), 0, "total zero");
    }

    /// A reverting fund pays 0: the close completes and the whole profit is owed; claiming then pays 0 without
    /// reverting; once a working fund is set, the claim is paid.
    function test_RevertingFund_ProfitOwedThenPaidByWorkingFund() public {
        _closeAgainstNonPayingFund(address(new RevertingInsuranceFund()));

        vault.setInsuranceFund(address(insurance)); // the deployed, funded fund
        vm.assertEq(_claim(), 40e6, "paid by the working fund");
        vm.assertEq(_free(ALICE, address(usdc)), 140e6, "margin + profit");
    }

    /// A fund that returns "paid in full" but moves nothing: the vault measures the delta, so the whole
    /// profit stays owed (the return value is not trusted).
    function test_LyingFund_ReturnValueIsNotTrusted() public {
        _closeAgainstNonPayingFund(address(new LyingInsuranceFund()));
    }

    /// An insurance address answering every call with empty data: the close completes, the profit is owed.
    function test_SilentFallbackFund_ProfitOwed() public {
        _closeAgainstNonPayingFund(address(new SilentFallback()));
    }

    /// An insurance address without code (misconfiguration): the close completes, the profit is owed.
    function test_CodelessFund_ProfitOwed() public {
        _closeAgainstNonPayingFund(address(0xDEAD));
    }
}

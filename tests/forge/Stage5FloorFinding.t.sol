// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofDeploy} from "./utils/Deploy.sol";
import {Vm} from "./utils/Vm.sol";
import {IBalanceManagerVault} from "../../contracts/interfaces/IBalanceManagerVault.sol";
import {IOrderBook} from "../../contracts/interfaces/IOrderBook.sol";
import {CollateralMath} from "../../contracts/libraries/CollateralMath.sol";

/// @notice The open CONV-1 finding of issue 15, settled on the bytecode with the real OrderBook.
/// @dev The draft code obligation reported, for WBTC-style decimals (base 8, oracle 8, quote 6), oracle
/// 400,000,001,000,001 (8 dp), liqFactorBps 1, maxCollateralSellSlippageBps 10,000 and 3 base units sold:
/// "proceeds 0.000008 USDC < floor". The floor ⌈qty × oracle × liqFactor⌉ is ⌈0.00001200000003⌉ = 0.000013 USDC
/// (13 units). On the shipped contracts a 3-unit sale realises 17 units (the book's credit, measured by the
/// vault as the user's USDC balance delta around `placeMarketOrder`), of which 9 pay the deficit: the user's
/// USDC changes by 17 − 9 = 8 over the whole guarded sale. 0.000008 is that net change — realised proceeds
/// minus the insurance payment — not the proceeds: the draft measured the wrong quantity. No contract defect.
contract Stage5FloorFindingTest is VaultproofDeploy {
    uint256 internal constant PRICE = 400_000_001_000_001; // 4,000,000.01000001 USD per WBTC, 8 dp
    uint16 internal constant LIQ_FACTOR = 1; // 0.01 %
    uint256 internal constant SOLD = 3; // 0.00000003 WBTC
    uint256 internal constant DEFICIT = 9; // 0.000009 USDC: need = ⌈9·10^8 / floorPrice⌉ = 3 base units
    uint256 internal constant BID = 566_666_667; // 566.666667 USDC per WBTC: 3 units credit ⌊17.00000001⌋ = 17

    bytes32 internal posA;

    function _afterDeploy() internal override {
        oracle.setPrice(SYM_WBTC, PRICE, 8);
        qre.setCollateral(address(wbtc), _cfg(8, 1, 1, LIQ_FACTOR, SYM_WBTC, 1e30));
        vault.setMaxCollateralSellSlippageBps(10_000); // BPS − slippage = 0: the asset's liqFactor (1) rules
        posA = _posKey(ALICE, 1);
        _deposit(ALICE, address(usdc), 100e6);
        _deposit(ALICE, address(wbtc), SOLD);
        vault.allocateForPosition(ALICE, posA, MARKET, 100e6, IBalanceManagerVault.MarginMode.CROSS);
    }

    /// The loss forfeits the $100 lock; `deficit` is left for the waterfall (no free USDC).
    function _liquidate(uint256 deficit) internal {
        vault.releaseFromPosition(ALICE, posA, -int256(100e6 + deficit));
    }

    function _floor() internal pure returns (uint256) {
        return CollateralMath.floorPrice(PRICE, 8, 6, LIQ_FACTOR);
    }

    function test_FindingNumbers() public pure {
        vm.assertEq(_floor(), 400_000_002, "floorPrice = ceil(400,000,001.000001) quote units per WBTC");
        vm.assertEq(CollateralMath.minProceeds(SOLD, 8, PRICE, 8, 6, LIQ_FACTOR), 13, "floor of 3 units: 13");
    }

    /// The finding's sale on the real book: realised proceeds (balance delta around the book) clear the floor;
    /// what was 0.000008 is the user's net USDC change after paying the deficit.
    function test_FindingRealisedProceedsClearTheFloor() public {
        _bid(MAKER, wbtcBook, BID, SOLD);
        vm.expectEmit(true, true, false, true, address(vault));
        emit IBalanceManagerVault.CollateralSold(ALICE, address(wbtc), SOLD, 17, DEFICIT);
        _liquidate(DEFICIT);

        uint256 floor = CollateralMath.minProceeds(SOLD, 8, PRICE, 8, 6, LIQ_FACTOR);
        vm.assertEq(_free(ALICE, address(wbtc)), 0, "3 base units sold");
        vm.assertEq(_free(MAKER, address(wbtc)), SOLD, "to the bid");
        vm.assertGe(17, floor, "realised 0.000017 >= floor 0.000013 (CONV-1)");
        vm.assertEq(_free(ALICE, address(usdc)), 17 - DEFICIT, "user's net change 0.000008 = received - paid");
        vm.assertLt(_free(ALICE, address(usdc)), floor, "the draft's number: net change, below the floor");
    }

    /// A bid exactly at floorPrice credits ⌊3 × 400,000,002 / 10^8⌋ = 12 < 13: the vault's pre-check
    /// (`quoteOut < minOut`) refuses the sale; nothing is sold below the floor.
    function test_BidAtFloorPriceIsNotSoldInto() public {
        uint256 id = _bid(MAKER, wbtcBook, _floor(), SOLD);
        vm.expectEmit(true, false, false, true, address(vault));
        emit IBalanceManagerVault.DeficitSettled(ALICE, DEFICIT, 0, 0, DEFICIT, 0, 0);
        _liquidate(DEFICIT);
        vm.assertEq(_free(ALICE, address(wbtc)), SOLD, "nothing sold");
        (,,, uint128 remainingBase,) = wbtcBook.orders(id);
        vm.assertEq(uint256(remainingBase), SOLD, "bid untouched");
    }

    /// Every sale that happens at these decimals, whatever the bid and the deficit, realises
    /// ≥ minProceeds(sold) = ⌈sold × oracle × liqFactor⌉ (balance delta, the CollateralSold field), and the
    /// user's net USDC change is exactly received − paid.
    function testFuzz_EverySaleClearsTheFloor(uint256 bid, uint256 deficit, uint256 qty) public {
        bid = bound(bid, _floor() / 2, 4 * _floor());
        deficit = bound(deficit, 1, 200);
        qty = bound(qty, 1, SOLD);
        _bid(MAKER, wbtcBook, bid, qty);
        vm.recordLogs();
        _liquidate(deficit);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes32 sig = IBalanceManagerVault.CollateralSold.selector;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] != sig) continue;
            (uint256 sold, uint256 received, uint256 paid) = abi.decode(logs[i].data, (uint256, uint256, uint256));
            vm.assertGe(received, CollateralMath.minProceeds(sold, 8, PRICE, 8, 6, LIQ_FACTOR), "floor (CONV-1)");
            vm.assertEq(_free(ALICE, address(usdc)), received - paid, "net change = received - paid");
            vm.assertEq(_free(ALICE, address(wbtc)), SOLD - sold, "sold by balance delta");
        }
    }
}

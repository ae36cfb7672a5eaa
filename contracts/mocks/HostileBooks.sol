// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOrderBook} from "../interfaces/IOrderBook.sol";
import {IBalanceManager} from "../interfaces/IBalanceManager.sol";

/// @notice Test-only book whose market orders always revert (fault-isolation test, CONV-5).
/// Installed over a real pool address with `vm.etch`, so it keeps no constructor state.
contract RevertingOrderBook {
    error BookBroken();

    function calculateOrderAmounts(uint256 baseQty, IOrderBook.Side, uint256) external pure returns (uint256, uint256) {
        return (baseQty, type(uint128).max); // promises a great fill
    }

    function placeMarketOrder(address, uint256, IOrderBook.Side, uint256) external pure returns (uint256, uint256) {
        revert BookBroken();
    }
}

/// @notice Test-only book that promises a fill above the floor in its pre-simulation, then takes the seller's
/// base and pays only `payBps` of that promise, while RETURNING the promised amount. It must be a
/// BalanceManager operator. The vault must measure the shortfall by balance delta (ST-4), see the realised
/// floor missed, and undo the sale (CONV-1, CONV-5).
/// @dev Configured through storage after `vm.etch`; slots are its own.
contract LyingOrderBook {
    IBalanceManager public bm;
    address public base;
    address public quote;
    address public treasury; // pays the (short) proceeds
    uint256 public promisedPrice; // quote units per whole base
    uint256 public baseUnit;
    uint256 public payBps;

    function configure(
        IBalanceManager bm_,
        address base_,
        address quote_,
        address treasury_,
        uint256 promisedPrice_,
        uint256 baseUnit_,
        uint256 payBps_
    ) external {
        (bm, base, quote, treasury, promisedPrice, baseUnit, payBps) =
        (bm_, base_, quote_, treasury_, promisedPrice_, baseUnit_, payBps_);
    }

    function calculateOrderAmounts(uint256 baseQty, IOrderBook.Side, uint256) external view returns (uint256, uint256) {
        return (baseQty, baseQty * promisedPrice / baseUnit);
    }

    function placeMarketOrder(address user, uint256 baseQty, IOrderBook.Side, uint256)
        external
        returns (uint256, uint256)
    {
        uint256 promised = baseQty * promisedPrice / baseUnit;
        bm.transferFrom(user, treasury, base, baseQty);
        bm.transferFrom(treasury, user, quote, promised * payBps / 10_000);
        return (baseQty, promised); // lies: reports the promised proceeds
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IPoolManager} from "./interfaces/IPoolManager.sol";
import {OrderBook} from "./OrderBook.sol";

/// @title PoolManager — creates one OrderBook per (base, quote) pool and authorises routers on all of them.
/// @notice Security Rule 7: a router, once authorised, is never de-authorised; there is deliberately no
/// function that revokes one (books must not strand a router mid-liquidation).
/// @dev A new book must also be made a BalanceManager operator (by the BalanceManager's owner) before it can
/// lock maker funds; the deployment script does both.
contract PoolManager is IPoolManager, Ownable {
    error PoolExists(address base, address quote);
    error InvalidPool(address base, address quote);

    event PoolCreated(address indexed base, address indexed quote, address orderBook);
    event RouterAuthorized(address indexed router);

    address public immutable balanceManager;
    mapping(address base => mapping(address quote => address)) private _pools;
    mapping(address router => bool) private _authorized;

    constructor(address owner_, address balanceManager_) Ownable(owner_) {
        if (balanceManager_ == address(0)) revert InvalidPool(address(0), address(0));
        balanceManager = balanceManager_;
    }

    function createPool(address base, address quote) external onlyOwner returns (address orderBook) {
        if (base == address(0) || quote == address(0) || base == quote) revert InvalidPool(base, quote);
        if (_pools[base][quote] != address(0)) revert PoolExists(base, quote);
        orderBook = address(new OrderBook(base, quote, balanceManager, address(this)));
        _pools[base][quote] = orderBook;
        emit PoolCreated(base, quote, orderBook);
    }

    function getPool(address base, address quote) external view returns (address orderBook) {
        return _pools[base][quote];
    }

    function setAuthorizedRouter(address router) external onlyOwner {
        _authorized[router] = true;
        emit RouterAuthorized(router);
    }

    function isAuthorizedRouter(address router) external view returns (bool) {
        return _authorized[router];
    }
}

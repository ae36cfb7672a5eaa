// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Token-agnostic ERC-20 custodian. Free balance per (user, token); locked balance per
/// (user, token, locker). Only operators (the vault, routers) move or lock balances.
interface IBalanceManager {
    error NotOperator(address caller);
    error InsufficientBalance(uint256 requested, uint256 available);
    error InsufficientLocked(uint256 requested, uint256 locked);

    event Deposited(address indexed user, address indexed token, uint256 amount);
    event Withdrawn(address indexed user, address indexed token, uint256 amount);
    event Locked(address indexed user, address indexed token, address indexed locker, uint256 amount);
    event Unlocked(address indexed user, address indexed token, address indexed locker, uint256 amount);

    function deposit(address token, uint256 amount) external;
    /// @dev Pulls `amount` of `token` from msg.sender and credits `user`'s free balance.
    function depositFor(address user, address token, uint256 amount) external;
    function withdraw(address token, uint256 amount) external;

    function getBalance(address user, address token) external view returns (uint256);
    function getLockedBalance(address user, address token, address locker) external view returns (uint256);
    function totalClaims(address token) external view returns (uint256);

    // operator-only
    function lock(address user, address token, uint256 amount, address locker) external;
    /// @dev Reverts InsufficientLocked when `amount` exceeds what `locker` holds locked for `user`.
    function unlock(address user, address token, uint256 amount, address locker) external;
    /// @dev Free balance of `from` to free balance of `to`.
    function transferFrom(address from, address to, address token, uint256 amount) external;
    /// @dev Locked balance of (`from`, `locker`) to free balance of `to`.
    function transferLockedFrom(address from, address locker, address to, address token, uint256 amount) external;
    /// @dev Free balance of `user` leaves the custodian as ERC-20 to `recipient`.
    function transferOut(address user, address token, uint256 amount, address recipient) external;

    function setOperator(address operator, bool allowed) external;
    function isOperator(address operator) external view returns (bool);
}

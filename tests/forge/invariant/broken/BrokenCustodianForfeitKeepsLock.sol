// GENERATED from contracts/BalanceManager.sol by vaultproof (code variant custodian-forfeit-keeps-lock); do not edit.
// Seeded defect: transferLockedFrom credits the recipient without debiting the locked balance
// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IBalanceManager} from "../../../../contracts/interfaces/IBalanceManager.sol";
import {IQuantumRiskEngine} from "../../../../contracts/interfaces/IQuantumRiskEngine.sol";

/// @title BalanceManager — token-agnostic ERC-20 custodian.
/// @notice Holds every token of the system. Users own a free balance per (user, token); lockers (the vault,
/// order books) hold locked balances per (user, token, locker). Only operators move or lock balances.
/// @dev Solvency (DEBT-6): `totalClaims(token)` = Σ free + Σ locked is maintained incrementally and only
/// deposits (by the measured balance delta) and withdrawals/transfers out change it, so
/// `totalClaims(token) ≤ token.balanceOf(this)` holds after every call.
contract BrokenCustodianForfeitKeepsLock is IBalanceManager, Ownable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    error ZeroAmount();
    error WithdrawNotAllowed(address user, address token, uint256 amount);

    event OperatorSet(address indexed operator, bool allowed);
    event WithdrawGuardSet(address indexed guard);
    event Transferred(address indexed from, address indexed to, address indexed token, uint256 amount);
    event TransferredLocked(
        address indexed from, address indexed locker, address indexed to, address token, uint256 amount
    );
    event TransferredOut(address indexed user, address indexed token, address indexed recipient, uint256 amount);

    mapping(address user => mapping(address token => uint256)) private _free;
    mapping(address user => mapping(address token => mapping(address locker => uint256))) private _locked;
    mapping(address token => uint256) private _totalClaims;
    mapping(address operator => bool) private _operators;

    /// @notice Optional QRE withdraw gate (Stage 2): when set, a user's own withdrawal must keep their
    /// equity above initial margin. Operators' `transferOut` is not gated (they settle, not withdraw).
    IQuantumRiskEngine public withdrawGuard;

    modifier onlyOperator() {
        if (!_operators[msg.sender]) revert NotOperator(msg.sender);
        _;
    }

    constructor(address owner_) Ownable(owner_) {}

    // ---------------------------------------------------------------- admin

    function setOperator(address operator, bool allowed) external onlyOwner {
        _operators[operator] = allowed;
        emit OperatorSet(operator, allowed);
    }

    function setWithdrawGuard(address guard) external onlyOwner {
        withdrawGuard = IQuantumRiskEngine(guard);
        emit WithdrawGuardSet(guard);
    }

    // ---------------------------------------------------------------- user

    function deposit(address token, uint256 amount) external nonReentrant {
        _deposit(msg.sender, token, amount);
    }

    function depositFor(address user, address token, uint256 amount) external nonReentrant {
        _deposit(user, token, amount);
    }

    function withdraw(address token, uint256 amount) external nonReentrant {
        IQuantumRiskEngine guard = withdrawGuard;
        if (address(guard) != address(0) && !guard.canWithdraw(msg.sender, token, amount)) {
            revert WithdrawNotAllowed(msg.sender, token, amount);
        }
        _debitFree(msg.sender, token, amount);
        _totalClaims[token] -= amount;
        emit Withdrawn(msg.sender, token, amount);
        IERC20(token).safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- views

    function getBalance(address user, address token) external view returns (uint256) {
        return _free[user][token];
    }

    function getLockedBalance(address user, address token, address locker) external view returns (uint256) {
        return _locked[user][token][locker];
    }

    function totalClaims(address token) external view returns (uint256) {
        return _totalClaims[token];
    }

    function isOperator(address operator) external view returns (bool) {
        return _operators[operator];
    }

    // ---------------------------------------------------------------- operator

    function lock(address user, address token, uint256 amount, address locker) external onlyOperator {
        _debitFree(user, token, amount);
        _locked[user][token][locker] += amount;
        emit Locked(user, token, locker, amount);
    }

    function unlock(address user, address token, uint256 amount, address locker) external onlyOperator {
        _debitLocked(user, token, locker, amount);
        _free[user][token] += amount;
        emit Unlocked(user, token, locker, amount);
    }

    function transferFrom(address from, address to, address token, uint256 amount) external onlyOperator {
        _debitFree(from, token, amount);
        _free[to][token] += amount;
        emit Transferred(from, to, token, amount);
    }

    function transferLockedFrom(address from, address locker, address to, address token, uint256 amount)
        external
        onlyOperator
    {
        // DEFECT(DEBT-6): the locked balance is not debited
        _free[to][token] += amount;
        emit TransferredLocked(from, locker, to, token, amount);
    }

    function transferOut(address user, address token, uint256 amount, address recipient)
        external
        onlyOperator
        nonReentrant
    {
        _debitFree(user, token, amount);
        _totalClaims[token] -= amount;
        emit TransferredOut(user, token, recipient, amount);
        IERC20(token).safeTransfer(recipient, amount);
    }

    // ---------------------------------------------------------------- internal

    /// @dev Credits the measured balance delta, so a fee-on-transfer token can never create unbacked claims.
    function _deposit(address user, address token, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        _free[user][token] += received;
        _totalClaims[token] += received;
        emit Deposited(user, token, received);
    }

    function _debitFree(address user, address token, uint256 amount) private {
        uint256 available = _free[user][token];
        if (available < amount) revert InsufficientBalance(amount, available);
        unchecked {
            _free[user][token] = available - amount;
        }
    }

    function _debitLocked(address user, address token, address locker, uint256 amount) private {
        uint256 lockedAmount = _locked[user][token][locker];
        if (lockedAmount < amount) revert InsufficientLocked(amount, lockedAmount);
        unchecked {
            _locked[user][token][locker] = lockedAmount - amount;
        }
    }
}

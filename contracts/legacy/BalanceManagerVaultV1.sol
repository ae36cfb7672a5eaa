// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IBalanceManager} from "../interfaces/IBalanceManager.sol";

/// @title BalanceManagerVaultV1 — the vault as shipped before Stage 5 / Stage 7. KEPT AS A FIXTURE.
/// @notice Every allocation locks its full amount of USDC (no virtual backing, no `usdcLocked`), and a loss
/// beyond the lock is settled by `_settleCrossAccountDeficit`, which debits ONLY the user's free USDC and
/// silently drops the residual — the bug seed 000 describes (the harness shows DEBT-1 failing here).
/// @dev Same UUPS pattern and ERC-7201 namespace as the current vault, which appends to this layout.
/// Do not fix this contract: it is the "before" of the upgrade tests and of the DEBT-1 counterexample.
contract BalanceManagerVaultV1 is Initializable, OwnableUpgradeable, UUPSUpgradeable, ReentrancyGuardTransient {
    using SafeCast for uint256;

    enum MarginMode {
        CROSS,
        ISOLATED
    }

    /// @dev V1 record: no `usdcLocked`, no `lockVersion` (the current vault appends them).
    struct PositionAllocationV1 {
        uint128 amount;
        uint8 mode;
        bool exists;
        address market;
    }

    struct UserAccount {
        uint96 totalAllocated;
        uint96 crossMarginAllocated;
        uint96 isolatedAllocated;
    }

    /// @custom:storage-location erc7201:vaultproof.storage.BalanceManagerVault
    struct BalanceManagerVaultStorage {
        address balanceManager;
        address usdc;
        uint8 collateralDecimals;
        address insuranceAccount; // BalanceManager account on the other side of realised PnL
        mapping(address router => bool) settlementRouters;
        mapping(address user => UserAccount) accounts;
        mapping(bytes32 posKey => PositionAllocationV1) positionAllocations;
    }

    // keccak256(abi.encode(uint256(keccak256("vaultproof.storage.BalanceManagerVault")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant STORAGE_LOCATION = 0x6e293fe0cf2c3701757a3a691157a3a22ebd0a80779a897b7c2c0d41c8a3d600;
    uint256 internal constant PPM = 1_000_000;

    error InsufficientBalance(uint256 required, uint256 available);
    error UnknownPosition(bytes32 posKey);
    error NotSettlementRouter(address caller);
    error InvalidConfig();
    error InvalidFraction(uint256 fractionPpm);

    event CollateralAllocated(
        address indexed user, bytes32 indexed posKey, address market, uint256 amount, MarginMode mode
    );
    event CollateralReleased(address indexed user, bytes32 indexed posKey, int256 pnl, uint256 unlocked);
    event SettlementRouterSet(address indexed router, bool allowed);

    modifier onlySettlementRouter() {
        if (!_s().settlementRouters[msg.sender]) revert NotSettlementRouter(msg.sender);
        _;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function initialize(
        address owner_,
        address balanceManager_,
        address usdc_,
        uint8 collateralDecimals_,
        address insuranceAccount_
    ) external initializer {
        if (balanceManager_ == address(0) || usdc_ == address(0) || collateralDecimals_ > 18) revert InvalidConfig();
        __Ownable_init(owner_);
        BalanceManagerVaultStorage storage $ = _s();
        $.balanceManager = balanceManager_;
        $.usdc = usdc_;
        $.collateralDecimals = collateralDecimals_;
        $.insuranceAccount = insuranceAccount_;
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}

    function setSettlementRouter(address router, bool allowed) external onlyOwner {
        _s().settlementRouters[router] = allowed;
        emit SettlementRouterSet(router, allowed);
    }

    /// @notice V1: USDC-only, both modes lock the full amount.
    function allocateForPosition(address user, bytes32 posKey, address market, uint256 amount, MarginMode mode)
        external
        onlySettlementRouter
        nonReentrant
    {
        BalanceManagerVaultStorage storage $ = _s();
        uint256 free = IBalanceManager($.balanceManager).getBalance(user, $.usdc);
        if (free < amount) revert InsufficientBalance(amount, free);
        UserAccount storage account = $.accounts[user];
        account.totalAllocated += amount.toUint96();
        if (mode == MarginMode.ISOLATED) account.isolatedAllocated += amount.toUint96();
        else account.crossMarginAllocated += amount.toUint96();
        PositionAllocationV1 storage a = $.positionAllocations[posKey];
        if (a.exists) {
            a.amount += amount.toUint128();
        } else {
            $.positionAllocations[posKey] = PositionAllocationV1(amount.toUint128(), uint8(mode), true, market);
        }
        emit CollateralAllocated(user, posKey, market, amount, mode);
        IBalanceManager($.balanceManager).lock(user, $.usdc, amount, address(this));
    }

    function releaseFromPosition(address user, bytes32 posKey, int256 pnl) external onlySettlementRouter nonReentrant {
        BalanceManagerVaultStorage storage $ = _s();
        PositionAllocationV1 memory a = $.positionAllocations[posKey];
        if (!a.exists) revert UnknownPosition(posKey);
        _debitAccount($, user, a.amount, a.mode);
        delete $.positionAllocations[posKey];
        _handleRelease($, user, posKey, a.amount, pnl);
    }

    function partialReleaseFromPosition(address user, bytes32 posKey, uint256 fractionPpm, int256 pnl)
        external
        onlySettlementRouter
        nonReentrant
    {
        if (fractionPpm == 0 || fractionPpm > PPM) revert InvalidFraction(fractionPpm);
        BalanceManagerVaultStorage storage $ = _s();
        PositionAllocationV1 storage a = $.positionAllocations[posKey];
        if (!a.exists) revert UnknownPosition(posKey);
        uint256 part = (uint256(a.amount) * fractionPpm) / PPM;
        _debitAccount($, user, part, a.mode);
        if (part == a.amount) delete $.positionAllocations[posKey];
        else a.amount -= part.toUint128();
        _handleRelease($, user, posKey, part, pnl);
    }

    function deallocateFromPosition(address user, bytes32 posKey) external onlySettlementRouter nonReentrant {
        BalanceManagerVaultStorage storage $ = _s();
        PositionAllocationV1 memory a = $.positionAllocations[posKey];
        if (!a.exists) revert UnknownPosition(posKey);
        _debitAccount($, user, a.amount, a.mode);
        delete $.positionAllocations[posKey];
        emit CollateralReleased(user, posKey, 0, a.amount);
        IBalanceManager($.balanceManager).unlock(user, $.usdc, a.amount, address(this));
    }

    function getPositionAllocation(bytes32 posKey) external view returns (PositionAllocationV1 memory) {
        return _s().positionAllocations[posKey];
    }

    function getUserAccount(address user) external view returns (UserAccount memory) {
        return _s().accounts[user];
    }

    /// @notice V1 has no risk engine: no cross-margin liquidation signal.
    function canLiquidateCrossMargin(address) external pure returns (bool) {
        return false;
    }

    /// @dev V1 release: everything locked is `collateral`; the insurance account pays profits (as far as its
    /// balance goes) and receives forfeited losses.
    function _handleRelease(
        BalanceManagerVaultStorage storage $,
        address user,
        bytes32 posKey,
        uint256 collateral,
        int256 pnl
    ) internal {
        IBalanceManager bm = IBalanceManager($.balanceManager);
        if (pnl >= 0) {
            emit CollateralReleased(user, posKey, pnl, collateral);
            bm.unlock(user, $.usdc, collateral, address(this));
            uint256 profit = uint256(pnl);
            uint256 available = bm.getBalance($.insuranceAccount, $.usdc);
            uint256 paid = profit < available ? profit : available;
            if (paid > 0) bm.transferFrom($.insuranceAccount, user, $.usdc, paid);
            return;
        }
        uint256 loss = uint256(-pnl);
        uint256 forfeited = loss < collateral ? loss : collateral;
        emit CollateralReleased(user, posKey, pnl, collateral - forfeited);
        if (forfeited > 0) bm.transferLockedFrom(user, address(this), $.insuranceAccount, $.usdc, forfeited);
        if (collateral > forfeited) bm.unlock(user, $.usdc, collateral - forfeited, address(this));
        if (loss > forfeited) _settleCrossAccountDeficit($, user, loss - forfeited);
    }

    /// @dev THE SEED'S BUG, preserved: debits only the user's free USDC; whatever exceeds it is dropped
    /// without a trace (no insurance, no ADL, no event).
    function _settleCrossAccountDeficit(BalanceManagerVaultStorage storage $, address user, uint256 deficit) internal {
        IBalanceManager bm = IBalanceManager($.balanceManager);
        uint256 free = bm.getBalance(user, $.usdc);
        uint256 used = free < deficit ? free : deficit;
        if (used > 0) bm.transferFrom(user, $.insuranceAccount, $.usdc, used);
    }

    function _debitAccount(BalanceManagerVaultStorage storage $, address user, uint256 amount, uint8 mode) internal {
        UserAccount storage account = $.accounts[user];
        account.totalAllocated -= amount.toUint96();
        if (mode == uint8(MarginMode.ISOLATED)) account.isolatedAllocated -= amount.toUint96();
        else account.crossMarginAllocated -= amount.toUint96();
    }

    function _s() internal pure returns (BalanceManagerVaultStorage storage $) {
        bytes32 slot = STORAGE_LOCATION;
        assembly {
            $.slot := slot
        }
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IBalanceManagerVault} from "../../../../contracts/interfaces/IBalanceManagerVault.sol";
import {IBalanceManager} from "../../../../contracts/interfaces/IBalanceManager.sol";

/// @notice Minimal mintable ERC-20 for the liquidation suites (the shared MockERC20 belongs to another part).
contract LiqMockERC20 is ERC20 {
    uint8 private immutable _dec;

    constructor(string memory name_, uint8 decimals_) ERC20(name_, name_) {
        _dec = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _dec;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice Test double of the BalanceManagerVault, used until the real vault lands. It implements only the
/// USDC-only (pre-Stage-5) settlement so the liquidation suites can assert exact balances:
///  - allocate: lock `amount` from the user's free USDC (both modes), record the allocation;
///  - release / partial release of fraction f: take L = usdcLocked·f (rounded down) and settle `pnl` on it:
///      pnl ≥ 0 → unlock L, profit paid from the insurance fund's free balance;
///      −L ≤ pnl < 0 → loss moved from the locked margin to the insurance fund, rest unlocked;
///      pnl < −L → all of L to insurance, the rest from the user's free USDC, any residual recorded in
///      `unsettledDeficit` (the real vault's waterfall continues with collateral, insurance, ADL).
contract MockBMV is IBalanceManagerVault {
    IBalanceManager public immutable bm;
    address public immutable usdc;
    address public insurance;
    uint256 public unsettledDeficit;
    mapping(address => bool) public isRouter;
    mapping(bytes32 => PositionAllocation) internal _alloc;
    mapping(bytes32 => address) public ownerOf;

    constructor(IBalanceManager bm_, address usdc_) {
        bm = bm_;
        usdc = usdc_;
    }

    function setInsurance(address ins) external {
        insurance = ins;
    }

    function setRouter(address r, bool ok) external {
        isRouter[r] = ok;
    }

    modifier onlyRouter() {
        if (!isRouter[msg.sender]) revert NotSettlementRouter(msg.sender);
        _;
    }

    function allocateForPosition(address user, bytes32 posKey, address market, uint256 amount, MarginMode mode)
        external
        onlyRouter
    {
        uint256 free = bm.getBalance(user, usdc);
        if (free < amount) revert InsufficientBalance(amount, free);
        bm.lock(user, usdc, amount, address(this));
        PositionAllocation storage a = _alloc[posKey];
        a.amount += uint128(amount);
        a.usdcLocked += uint128(amount);
        a.mode = uint8(mode);
        a.exists = true;
        a.market = market;
        a.lockVersion = 1;
        ownerOf[posKey] = user;
        emit CollateralAllocated(user, posKey, market, amount, mode);
    }

    function releaseFromPosition(address user, bytes32 posKey, int256 pnl) external onlyRouter {
        PositionAllocation memory a = _alloc[posKey];
        if (!a.exists) revert UnknownPosition(posKey);
        delete _alloc[posKey];
        _settle(user, posKey, a.usdcLocked, pnl);
    }

    function partialReleaseFromPosition(address user, bytes32 posKey, uint256 fractionPpm, int256 pnl)
        external
        onlyRouter
    {
        PositionAllocation storage a = _alloc[posKey];
        if (!a.exists) revert UnknownPosition(posKey);
        uint256 lockPart = uint256(a.usdcLocked) * fractionPpm / 1e6;
        uint256 amtPart = uint256(a.amount) * fractionPpm / 1e6;
        a.usdcLocked -= uint128(lockPart);
        a.amount -= uint128(amtPart);
        _settle(user, posKey, lockPart, pnl);
    }

    function deallocateFromPosition(address user, bytes32 posKey) external onlyRouter {
        PositionAllocation memory a = _alloc[posKey];
        delete _alloc[posKey];
        bm.unlock(user, usdc, a.usdcLocked, address(this));
    }

    function _settle(address user, bytes32 posKey, uint256 locked, int256 pnl) internal {
        if (pnl >= 0) {
            bm.unlock(user, usdc, locked, address(this));
            if (pnl > 0) bm.transferFrom(insurance, user, usdc, uint256(pnl));
            emit CollateralReleased(user, posKey, pnl, locked);
            return;
        }
        uint256 loss = uint256(-pnl);
        if (loss <= locked) {
            bm.transferLockedFrom(user, address(this), insurance, usdc, loss);
            bm.unlock(user, usdc, locked - loss, address(this));
            emit CollateralReleased(user, posKey, pnl, locked - loss);
            return;
        }
        if (locked > 0) bm.transferLockedFrom(user, address(this), insurance, usdc, locked);
        uint256 deficit = loss - locked;
        uint256 free = bm.getBalance(user, usdc);
        uint256 fromFree = deficit < free ? deficit : free;
        if (fromFree > 0) bm.transferFrom(user, insurance, usdc, fromFree);
        unsettledDeficit += deficit - fromFree;
        emit CollateralReleased(user, posKey, pnl, 0);
        emit DeficitSettled(user, deficit, fromFree, 0, 0, 0, deficit - fromFree);
    }

    function getPositionAllocation(bytes32 posKey) external view returns (PositionAllocation memory) {
        return _alloc[posKey];
    }

    function effectiveLocked(bytes32 posKey) external view returns (uint256) {
        return _alloc[posKey].usdcLocked;
    }

    function canLiquidateCrossMargin(address) external pure returns (bool) {
        return false;
    }
}

// GENERATED from contracts/InsuranceFund.sol by vaultproof (code variant insurance-no-block-cap); do not edit.
// Seeded defect: coverDeficit ignores the per-block cap (pays min(amount, balance))
// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IInsuranceFund} from "../../../../contracts/interfaces/IInsuranceFund.sol";
import {IBalanceManager} from "../../../../contracts/interfaces/IBalanceManager.sol";

/// @title InsuranceFund — residual-deficit backstop with a per-block loss cap (DEBT-3, LIQ-2)
/// @notice The fund's USDC is the BalanceManager FREE balance of this contract's own address; that balance is
/// the single source of truth (`balance()` reads it), so value credited to the fund by any operator (loss
/// forfeits, liquidation fees, Stage 5 proceeds) is counted even before `depositFunding` records it.
///
/// Payout route (design choice): the fund is itself a BalanceManager OPERATOR and pays with
/// `IBalanceManager.transferFrom(address(this), beneficiary, usdc, paid)`. Routing via the vault would make
/// the vault able to move the fund's balance at will; as an operator the fund moves only its own balance,
/// and only when an authorized caller (the vault, the LiquidationEngine) asks through `coverDeficit`.
/// Deployment: `BalanceManager.setOperator(insuranceFund, true)`.
///
/// Cap: at most `maxQuantumsInsuranceLost` USDC units leave the fund per block (`block.number`), across all
/// callers; the counter resets lazily on the first payout of a new block.
contract BrokenInsuranceNoBlockCap is IInsuranceFund, Ownable, ReentrancyGuard {
    error NotAuthorized(address caller);
    error ZeroAddress();

    event DepositorSet(address indexed depositor, bool allowed);
    event MaxQuantumsInsuranceLostSet(uint256 maxQuantums);

    IBalanceManager public immutable balanceManager;
    address public immutable usdc;

    /// @notice MaxQuantumsInsuranceLost: USDC units the fund may pay out per block.
    uint256 public maxQuantumsInsuranceLost;
    /// @notice Block of the last payout and what was paid in it.
    uint256 public lastPayoutBlock;
    uint256 public paidInBlock;
    /// @notice Cumulative funding recorded by `depositFunding` and cumulative payouts (for reconciliation).
    uint256 public totalFundingRecorded;
    uint256 public totalPaid;

    mapping(address => bool) public isAuthorized;

    modifier onlyAuthorized() {
        if (!isAuthorized[msg.sender]) revert NotAuthorized(msg.sender);
        _;
    }

    constructor(address owner_, IBalanceManager balanceManager_, address usdc_, uint256 maxQuantumsInsuranceLost_)
        Ownable(owner_)
    {
        if (address(balanceManager_) == address(0) || usdc_ == address(0)) revert ZeroAddress();
        balanceManager = balanceManager_;
        usdc = usdc_;
        maxQuantumsInsuranceLost = maxQuantumsInsuranceLost_;
        emit MaxQuantumsInsuranceLostSet(maxQuantumsInsuranceLost_);
    }

    // ───────────────────────────── owner setters ─────────────────────────────

    /// @notice Authorizes a depositor / claimant (the vault, the LiquidationEngine).
    function setAuthorized(address depositor, bool allowed) external onlyOwner {
        isAuthorized[depositor] = allowed;
        emit DepositorSet(depositor, allowed);
    }

    function setMaxQuantumsInsuranceLost(uint256 maxQuantums) external onlyOwner {
        maxQuantumsInsuranceLost = maxQuantums;
        emit MaxQuantumsInsuranceLostSet(maxQuantums);
    }

    // ───────────────────────────── IInsuranceFund ─────────────────────────────

    /// @inheritdoc IInsuranceFund
    /// @dev Records only: the caller has already credited `amount` to this fund's BalanceManager balance.
    function depositFunding(uint256 amount) external nonReentrant onlyAuthorized {
        totalFundingRecorded += amount;
        emit FundingDeposited(msg.sender, amount);
    }

    /// @inheritdoc IInsuranceFund
    /// @dev paid = min(amount, balance, remaining block capacity). Effects (block counter) before the
    /// BalanceManager call (CEI); never reverts for lack of funds — a short payout is the caller's signal to
    /// continue the waterfall (ADL, recorded shortfall).
    function coverDeficit(address beneficiary, uint256 amount) external nonReentrant onlyAuthorized returns (uint256 paid) {
        if (beneficiary == address(0)) revert ZeroAddress();
        paid = amount;
        uint256 bal = balance();
        if (paid > bal) paid = bal;
        // DEFECT(DEBT-3): the per-block cap (remainingBlockCapacity) is not applied
        if (paid > 0) {
            if (lastPayoutBlock != block.number) {
                lastPayoutBlock = block.number;
                paidInBlock = paid;
            } else {
                paidInBlock += paid;
            }
            totalPaid += paid;
            balanceManager.transferFrom(address(this), beneficiary, usdc, paid);
        }
        emit DeficitCovered(beneficiary, amount, paid);
    }

    /// @inheritdoc IInsuranceFund
    function balance() public view returns (uint256) {
        return balanceManager.getBalance(address(this), usdc);
    }

    /// @inheritdoc IInsuranceFund
    function remainingBlockCapacity() public view returns (uint256) {
        // Equality on block.number is the intended per-block bucket, not a balance comparison.
        // slither-disable-next-line incorrect-equality
        uint256 used = lastPayoutBlock == block.number ? paidInBlock : 0;
        uint256 cap = maxQuantumsInsuranceLost;
        return used >= cap ? 0 : cap - used;
    }
}

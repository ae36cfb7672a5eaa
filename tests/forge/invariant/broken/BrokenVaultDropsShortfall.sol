// GENERATED from contracts/BalanceManagerVault.sol by vaultproof (code variant vault-drops-shortfall); do not edit.
// Seeded defect: _absorbResidual emits DeficitSettled with shortfall 0: the residual is dropped (V1-like)
// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IBalanceManagerVault} from "../../../../contracts/interfaces/IBalanceManagerVault.sol";
import {IBalanceManager} from "../../../../contracts/interfaces/IBalanceManager.sol";
import {IQuantumRiskEngine} from "../../../../contracts/interfaces/IQuantumRiskEngine.sol";
import {IPriceOracle} from "../../../../contracts/interfaces/IPriceOracle.sol";
import {IPoolManager} from "../../../../contracts/interfaces/IPoolManager.sol";
import {IOrderBook} from "../../../../contracts/interfaces/IOrderBook.sol";
import {IInsuranceFund} from "../../../../contracts/interfaces/IInsuranceFund.sol";
import {IAdlEngine} from "../../../../contracts/interfaces/IAdlEngine.sol";
import {IPositionSideSource} from "../../../../contracts/interfaces/IPositionSideSource.sol";
import {LockMath} from "../../../../contracts/libraries/LockMath.sol";
import {CollateralMath} from "../../../../contracts/libraries/CollateralMath.sol";
import {DeficitMath} from "../../../../contracts/libraries/DeficitMath.sol";

/// @dev `IInsuranceFund.coverDeficit` without its return value: the vault measures the payout as a balance delta,
/// and a call that declares no return data cannot fail on decoding a misbehaving callee's answer.
interface IInsuranceCover {
    function coverDeficit(address beneficiary, uint256 amount) external;
}

/// @title BalanceManagerVault (BMV) — perp margin accounting over the BalanceManager.
/// @notice Both settlement arches (PerpEngine, CLOBPerpetualRouter) open and close positions through these
/// callbacks, so everything here is shared by construction (parity).
///
/// Stage 7 (position-open backing): a CROSS allocation locks the USDC the user has (up to the initial margin)
/// and backs the rest "virtually" by risk-engine equity; ISOLATED stays USDC-only. Each allocation records
/// the USDC it really locked (`usdcLocked`) and a `lockVersion`, so a release never unlocks USDC that was
/// never locked. Records written by V1 (lockVersion 0) are treated as fully locked and migrated on top-up.
///
/// Stage 5 (liquidation conversion): a cross-account deficit is covered, in this order, by the user's free
/// USDC, by market-selling the user's non-USDC collateral on the venue's own spot books (only at prices that
/// clear oracle × liquidation factor, each sale isolated in try/catch), by the insurance fund, by ADL, and
/// what is left is recorded as shortfall. `DeficitSettled` carries the whole waterfall (DEBT-1). The insurance
/// and ADL calls are isolated (try/catch, code check): a reverting or misconfigured fund or engine pays 0 and
/// its share falls through to the next step, so a liquidation always completes.
///
/// Profit (REL-2): a profit is paid by the insurance fund, which pays at most its balance and its per-block
/// room; what it does not pay is recorded as the user's `unpaidProfit` claim (`ProfitUnpaid`) and paid later
/// through `claimUnpaidProfit`, so the realised PnL never silently shrinks.
///
/// @dev UUPS proxy, ERC-7201 namespaced storage, append-only against `legacy/BalanceManagerVaultV1`.
/// Every external state-changing entry point is `nonReentrant` except `sellCollateralGuarded`, which only
/// the vault itself may call from inside a `nonReentrant` frame, and the initializers / OZ `upgradeToAndCall`
/// (owner-only; `initializeV2` runs inside `upgradeToAndCall`). In the release frame every storage write
/// happens before the first external call (CEI), except recording the insurance fund's MEASURED payout of a
/// profit (the unpaid rest is the user's claim; it can only be known after the call).
contract BrokenVaultDropsShortfall is
    IBalanceManagerVault,
    Initializable,
    OwnableUpgradeable,
    UUPSUpgradeable,
    ReentrancyGuardTransient
{
    using SafeCast for uint256;

    /// @notice Bound on the collateral loop in `_coverDeficitWithCollateral` (Security Rule 8).
    uint256 public constant MAX_COLLATERALS = 8;
    uint256 internal constant BPS = 10_000;

    struct UserAccount {
        uint96 totalAllocated; // = crossMarginAllocated + isolatedAllocated
        uint96 crossMarginAllocated;
        uint96 isolatedAllocated;
    }

    /// @custom:storage-location erc7201:vaultproof.storage.BalanceManagerVault
    struct BalanceManagerVaultStorage {
        // ---- V1 layout (legacy/BalanceManagerVaultV1.sol) — never reorder ----
        address balanceManager;
        address usdc;
        uint8 collateralDecimals;
        address insuranceAccount; // V1's counterparty account; superseded by `insuranceFund`, kept for layout
        mapping(address router => bool) settlementRouters;
        mapping(address user => UserAccount) accounts;
        mapping(bytes32 posKey => PositionAllocation) positionAllocations;
        // ---- appended by the Stage 5/7 upgrade ----
        address quantumRiskEngine;
        address poolManager;
        address priceOracle;
        uint16 maxCollateralSellSlippageBps;
        address insuranceFund;
        address adlEngine;
        // ---- appended by the unpaid-profit fix (REL-2) ----
        mapping(address user => uint256) unpaidProfit; // realised profit the insurance fund has not paid yet
        uint256 totalUnpaidProfit; // = Σ unpaidProfit
    }

    // keccak256(abi.encode(uint256(keccak256("vaultproof.storage.BalanceManagerVault")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant STORAGE_LOCATION = 0x6e293fe0cf2c3701757a3a691157a3a22ebd0a80779a897b7c2c0d41c8a3d600;

    /// @dev What one collateral sale will do, decided before any external call.
    struct SalePlan {
        address book;
        uint256 qty;
        uint256 price;
        uint8 priceDecimals;
        uint8 baseDecimals;
        uint16 liqFactorBps;
        uint256 floorPrice;
    }

    error InvalidAmount();
    error InvalidFraction(uint256 fractionPpm);
    error InvalidConfig();
    error AllocationMismatch(bytes32 posKey);
    error OnlySelf(address caller);
    error SaleReverted(bytes reason);
    error FloorNotMet(uint256 qtySold, uint256 received, uint256 minProceeds);
    error SaleMismatch(uint256 qtySold, uint256 qtyPlanned);

    event SettlementRouterSet(address indexed router, bool allowed);
    event QuantumRiskEngineSet(address indexed qre);
    event PoolManagerSet(address indexed poolManager);
    event PriceOracleSet(address indexed priceOracle);
    event MaxCollateralSellSlippageSet(uint16 bps);
    event InsuranceFundSet(address indexed insuranceFund);
    event AdlEngineSet(address indexed adlEngine);
    event LegacyAllocationMigrated(bytes32 indexed posKey, uint256 amount);
    event LossForfeited(address indexed user, bytes32 indexed posKey, uint256 amount);
    event ProfitPaid(address indexed user, bytes32 indexed posKey, uint256 requested, uint256 paid);

    modifier onlySettlementRouter() {
        if (!_s().settlementRouters[msg.sender]) revert NotSettlementRouter(msg.sender);
        _;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    // ================================================================ initialisation / upgrade

    /// @notice Fresh deployment (proxy version 1).
    function initialize(
        address owner_,
        address balanceManager_,
        address usdc_,
        uint8 collateralDecimals_,
        address insuranceFund_,
        address adlEngine_
    ) external initializer {
        if (balanceManager_ == address(0) || usdc_ == address(0) || insuranceFund_ == address(0)) {
            revert InvalidConfig();
        }
        if (collateralDecimals_ > LockMath.MAX_COLLATERAL_DECIMALS) revert InvalidConfig();
        __Ownable_init(owner_);
        BalanceManagerVaultStorage storage $ = _s();
        $.balanceManager = balanceManager_;
        $.usdc = usdc_;
        $.collateralDecimals = collateralDecimals_;
        _setInsuranceAndAdl($, insuranceFund_, adlEngine_);
    }

    /// @notice Upgrade step from V1 (pass to `upgradeToAndCall`): wires the insurance fund and ADL engine.
    function initializeV2(address insuranceFund_, address adlEngine_) external reinitializer(2) onlyOwner {
        _setInsuranceAndAdl(_s(), insuranceFund_, adlEngine_);
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}

    // ================================================================ owner setters (ST-6)

    function setSettlementRouter(address router, bool allowed) external onlyOwner nonReentrant {
        _s().settlementRouters[router] = allowed;
        emit SettlementRouterSet(router, allowed);
    }

    function setQuantumRiskEngine(address qre) external onlyOwner nonReentrant {
        _s().quantumRiskEngine = qre;
        emit QuantumRiskEngineSet(qre);
    }

    function setPoolManager(address poolManager_) external onlyOwner nonReentrant {
        _s().poolManager = poolManager_;
        emit PoolManagerSet(poolManager_);
    }

    function setPriceOracle(address priceOracle_) external onlyOwner nonReentrant {
        _s().priceOracle = priceOracle_;
        emit PriceOracleSet(priceOracle_);
    }

    /// @notice Largest discount below the oracle the vault accepts on a conversion sale. The effective floor is
    /// the stricter of this and the collateral's `liqFactorBps`; 0 means "sell only at or above the oracle".
    function setMaxCollateralSellSlippageBps(uint16 bps) external onlyOwner nonReentrant {
        if (bps > BPS) revert InvalidConfig();
        _s().maxCollateralSellSlippageBps = bps;
        emit MaxCollateralSellSlippageSet(bps);
    }

    function setInsuranceFund(address insuranceFund_) external onlyOwner nonReentrant {
        if (insuranceFund_ == address(0)) revert InvalidConfig();
        _s().insuranceFund = insuranceFund_;
        emit InsuranceFundSet(insuranceFund_);
    }

    function setAdlEngine(address adlEngine_) external onlyOwner nonReentrant {
        _s().adlEngine = adlEngine_;
        emit AdlEngineSet(adlEngine_);
    }

    // ================================================================ position callbacks

    /// @inheritdoc IBalanceManagerVault
    function allocateForPosition(address user, bytes32 posKey, address market, uint256 amount, MarginMode mode)
        external
        onlySettlementRouter
        nonReentrant
    {
        if (amount == 0) revert InvalidAmount();
        if (amount > type(uint96).max) revert AmountTooLarge(amount); // before any uint96/uint128 cast (ALLOC-5)
        BalanceManagerVaultStorage storage $ = _s();
        IBalanceManager bm = IBalanceManager($.balanceManager);
        bool isolated = mode == MarginMode.ISOLATED;

        uint256 free = _balance($, user, $.usdc);
        (bool ok, uint256 toLock, uint256 virtualBacking) = LockMath.splitLock(amount, free, isolated);
        if (!ok) revert InsufficientBalance(amount, free);
        if (virtualBacking > 0) _requireVirtualBacking($, user, amount, free);

        // Effects.
        UserAccount storage account = $.accounts[user];
        account.totalAllocated += uint96(amount);
        if (isolated) account.isolatedAllocated += uint96(amount);
        else account.crossMarginAllocated += uint96(amount);

        PositionAllocation storage a = $.positionAllocations[posKey];
        if (a.exists) {
            if (a.market != market || a.mode != uint8(mode)) revert AllocationMismatch(posKey);
            // Top-up: a legacy record (lockVersion 0) is migrated to its effective lock first.
            if (a.lockVersion == 0) emit LegacyAllocationMigrated(posKey, a.amount);
            a.usdcLocked = (LockMath.effectiveLocked(a.amount, a.usdcLocked, a.lockVersion) + toLock).toUint128();
            a.amount += uint128(amount);
        } else {
            a.amount = uint128(amount);
            a.usdcLocked = uint128(toLock);
            a.mode = uint8(mode);
            a.market = market;
            a.exists = true;
        }
        a.lockVersion = LockMath.LOCK_VERSION_STAGE7;
        emit CollateralAllocated(user, posKey, market, amount, mode);

        // Interaction.
        if (toLock > 0) bm.lock(user, $.usdc, toLock, address(this));
    }

    /// @inheritdoc IBalanceManagerVault
    function releaseFromPosition(address user, bytes32 posKey, int256 pnl) external onlySettlementRouter nonReentrant {
        _checkPnl(pnl);
        BalanceManagerVaultStorage storage $ = _s();
        PositionAllocation storage a = $.positionAllocations[posKey];
        if (!a.exists) revert UnknownPosition(posKey);
        uint256 locked = LockMath.effectiveLocked(a.amount, a.usdcLocked, a.lockVersion);
        bool isolated = a.mode == uint8(MarginMode.ISOLATED);
        address market = a.market;
        _debitAccount($, user, a.amount, isolated);
        delete $.positionAllocations[posKey];
        _handleRelease($, user, posKey, market, isolated, locked, pnl);
    }

    /// @inheritdoc IBalanceManagerVault
    function partialReleaseFromPosition(address user, bytes32 posKey, uint256 fractionPpm, int256 pnl)
        external
        onlySettlementRouter
        nonReentrant
    {
        if (fractionPpm == 0 || fractionPpm > LockMath.PPM) revert InvalidFraction(fractionPpm);
        _checkPnl(pnl);
        BalanceManagerVaultStorage storage $ = _s();
        PositionAllocation storage a = $.positionAllocations[posKey];
        if (!a.exists) revert UnknownPosition(posKey);
        uint256 amount = a.amount;
        uint256 locked = LockMath.effectiveLocked(a.amount, a.usdcLocked, a.lockVersion);
        bool isolated = a.mode == uint8(MarginMode.ISOLATED);
        address market = a.market;
        // Both round down: the released part never takes more than its fraction of the lock (REL-4), and
        // since x − ⌊x·f⌋ is non-decreasing in x, usdcLocked ≤ amount survives (ALLOC-6).
        uint256 partAmount = LockMath.partialUnlock(amount, fractionPpm);
        uint256 partLocked = LockMath.partialUnlock(locked, fractionPpm);

        _debitAccount($, user, partAmount, isolated);
        if (partAmount == amount) {
            delete $.positionAllocations[posKey];
        } else {
            if (a.lockVersion == 0) emit LegacyAllocationMigrated(posKey, amount);
            a.amount = (amount - partAmount).toUint128();
            a.usdcLocked = (locked - partLocked).toUint128();
            a.lockVersion = LockMath.LOCK_VERSION_STAGE7;
        }
        _handleRelease($, user, posKey, market, isolated, partLocked, pnl);
    }

    /// @inheritdoc IBalanceManagerVault
    function deallocateFromPosition(address user, bytes32 posKey) external onlySettlementRouter nonReentrant {
        BalanceManagerVaultStorage storage $ = _s();
        PositionAllocation storage a = $.positionAllocations[posKey];
        if (!a.exists) revert UnknownPosition(posKey);
        uint256 locked = LockMath.effectiveLocked(a.amount, a.usdcLocked, a.lockVersion);
        _debitAccount($, user, a.amount, a.mode == uint8(MarginMode.ISOLATED));
        delete $.positionAllocations[posKey];
        emit CollateralReleased(user, posKey, 0, locked);
        _unlock($, user, locked);
    }

    // ================================================================ Stage 5: one guarded sale

    /// @notice One collateral sale of the conversion loop, callable only by the vault itself.
    /// @dev Runs as an external self-call inside `try` so that a revert anywhere in it — the book, a maker
    /// hook, or the realised-floor check after the sale — undoes exactly this sale and the loop continues
    /// (CONV-5). The sale itself is also inside try/catch (Security Rule 17). No vault storage is written
    /// here; proceeds are the USDC balance delta, never the book's return value (ST-4).
    /// @return paid USDC moved from the user to the insurance fund (≤ remainingDeficit).
    function sellCollateralGuarded(address user, address token, uint256 remainingDeficit)
        external
        returns (uint256 paid)
    {
        if (msg.sender != address(this)) revert OnlySelf(msg.sender);
        BalanceManagerVaultStorage storage $ = _s();
        SalePlan memory plan = _planSale($, user, token, remainingDeficit);
        if (plan.qty == 0) return 0; // skipped: disabled, stale price, no pool, no balance, nothing clears floor

        address quote = $.usdc;
        uint256 usdcBefore = _balance($, user, quote);
        uint256 baseBefore = _balance($, user, token);
        try IOrderBook(plan.book).placeMarketOrder(user, plan.qty, IOrderBook.Side.SELL, plan.floorPrice) {}
        catch (bytes memory reason) {
            revert SaleReverted(reason);
        }
        uint256 received = _balance($, user, quote) - usdcBefore;
        uint256 sold = baseBefore - _balance($, user, token);
        uint256 minOut = CollateralMath.minProceeds(
            sold, plan.baseDecimals, plan.price, plan.priceDecimals, $.collateralDecimals, plan.liqFactorBps
        );
        if (sold == 0 || sold > plan.qty) revert SaleMismatch(sold, plan.qty);
        if (received < minOut) revert FloorNotMet(sold, received, minOut); // CONV-1 on what was realised

        (paid,) = DeficitMath.payToInsurance(received, remainingDeficit);
        emit CollateralSold(user, token, sold, received, paid);
        if (paid > 0) _payInsurance($, user, paid);
    }

    // ================================================================ unpaid profit (REL-2)

    /// @notice Pays the caller's recorded unpaid profit, as far as the insurance fund can pay now (its balance
    /// and per-block room); the rest stays owed. Returns what was paid.
    function claimUnpaidProfit() external nonReentrant returns (uint256 paid) {
        BalanceManagerVaultStorage storage $ = _s();
        uint256 owed = $.unpaidProfit[msg.sender];
        if (owed == 0) return 0;
        paid = _coverFromInsurance($, msg.sender, owed); // measured, ≤ owed
        if (paid == 0) return 0;
        owed -= paid;
        $.unpaidProfit[msg.sender] = owed;
        $.totalUnpaidProfit -= paid;
        emit UnpaidProfitClaimed(msg.sender, paid, owed);
    }

    function unpaidProfit(address user) external view returns (uint256) {
        return _s().unpaidProfit[user];
    }

    function totalUnpaidProfit() external view returns (uint256) {
        return _s().totalUnpaidProfit;
    }

    // ================================================================ views

    function getPositionAllocation(bytes32 posKey) external view returns (PositionAllocation memory) {
        return _s().positionAllocations[posKey];
    }

    function effectiveLocked(bytes32 posKey) external view returns (uint256) {
        PositionAllocation storage a = _s().positionAllocations[posKey];
        return LockMath.effectiveLocked(a.amount, a.usdcLocked, a.lockVersion);
    }

    /// @notice With a risk engine: equity < maintenance margin. Without one there is no cross-margin signal
    /// (V1 behaviour) and routers liquidate per position.
    function canLiquidateCrossMargin(address user) external view returns (bool) {
        address qre = _s().quantumRiskEngine;
        if (qre == address(0)) return false;
        return IQuantumRiskEngine(qre).isLiquidatable(user);
    }

    function getUserAccount(address user) external view returns (UserAccount memory) {
        return _s().accounts[user];
    }

    function isSettlementRouter(address router) external view returns (bool) {
        return _s().settlementRouters[router];
    }

    function balanceManager() external view returns (address) {
        return _s().balanceManager;
    }

    function usdc() external view returns (address) {
        return _s().usdc;
    }

    function collateralDecimals() external view returns (uint8) {
        return _s().collateralDecimals;
    }

    function quantumRiskEngine() external view returns (address) {
        return _s().quantumRiskEngine;
    }

    function poolManager() external view returns (address) {
        return _s().poolManager;
    }

    function priceOracle() external view returns (address) {
        return _s().priceOracle;
    }

    function maxCollateralSellSlippageBps() external view returns (uint16) {
        return _s().maxCollateralSellSlippageBps;
    }

    function insuranceFund() external view returns (address) {
        return _s().insuranceFund;
    }

    function adlEngine() external view returns (address) {
        return _s().adlEngine;
    }

    // ================================================================ internal: release & deficit

    /// @dev Settles a closed (part of a) position. `locked` is the USDC actually locked for it (Stage 7: the
    /// virtual part was never USDC, so it is never unlocked). Profit: insurance pays the profit as far as it
    /// can, the unpaid rest is recorded as the user's claim (REL-2), and everything is unlocked. Loss: forfeit
    /// up to `locked` to insurance, unlock the rest; a loss beyond the lock is a deficit — CROSS settles it
    /// against the whole account, ISOLATED goes straight to insurance / ADL (the user's other assets are never
    /// touched by an isolated position).
    function _handleRelease(
        BalanceManagerVaultStorage storage $,
        address user,
        bytes32 posKey,
        address market,
        bool isolated,
        uint256 locked,
        int256 pnl
    ) internal {
        IBalanceManager bm = IBalanceManager($.balanceManager);
        uint256 unlocked = locked;
        if (pnl >= 0) {
            emit CollateralReleased(user, posKey, pnl, unlocked);
            if (pnl > 0) {
                uint256 paid = _coverFromInsurance($, user, uint256(pnl)); // measured; 0 if the call fails
                emit ProfitPaid(user, posKey, uint256(pnl), paid);
                // REL-2: the unpaid rest is the user's claim. Its amount is known only after the (isolated)
                // insurance call, so recording it is the one write after a call: the measured result.
                uint256 unpaid = uint256(pnl) - paid;
                if (unpaid > 0) {
                    uint256 owed = $.unpaidProfit[user] + unpaid;
                    $.unpaidProfit[user] = owed;
                    $.totalUnpaidProfit += unpaid;
                    emit ProfitUnpaid(user, posKey, unpaid, owed);
                }
            }
            _unlock($, user, locked);
            return;
        }
        uint256 loss = uint256(-pnl);
        uint256 forfeited = loss < locked ? loss : locked;
        unlocked = locked - forfeited;
        emit CollateralReleased(user, posKey, pnl, unlocked);
        if (forfeited > 0) {
            emit LossForfeited(user, posKey, forfeited);
            bm.transferLockedFrom(user, address(this), $.insuranceFund, $.usdc, forfeited);
            _recordFunding($, forfeited);
        }
        _unlock($, user, unlocked);
        uint256 deficit = loss - forfeited;
        if (deficit == 0) return;
        if (isolated) _absorbResidual($, user, posKey, market, deficit, 0, 0, deficit);
        else _settleCrossAccountDeficit($, user, posKey, market, deficit);
    }

    /// @dev The deficit waterfall for a CROSS account: free USDC → collateral conversion → insurance → ADL →
    /// recorded shortfall. Each step is `min(available, remaining)` (DeficitMath), so `remaining` only falls.
    function _settleCrossAccountDeficit(
        BalanceManagerVaultStorage storage $,
        address user,
        bytes32 posKey,
        address market,
        uint256 deficit
    ) internal {
        uint256 free = _balance($, user, $.usdc);
        (uint256 fromFree, uint256 remaining) = DeficitMath.takeFree(deficit, free);
        if (fromFree > 0) _payInsurance($, user, fromFree);
        uint256 fromCollateral;
        (fromCollateral, remaining) = _coverDeficitWithCollateral($, user, remaining);
        _absorbResidual($, user, posKey, market, deficit, fromFree, fromCollateral, remaining);
    }

    /// @dev Stage 5. Sells the user's enabled non-USDC collateral, one guarded sale per asset, until the
    /// deficit is covered or the (bounded) list is exhausted. Entirely off — no external call at all — when
    /// `poolManager` or `quantumRiskEngine` is unset, which is exactly the legacy behaviour (CONV-6).
    function _coverDeficitWithCollateral(BalanceManagerVaultStorage storage $, address user, uint256 remaining)
        internal
        returns (uint256 fromCollateral, uint256 newRemaining)
    {
        newRemaining = remaining;
        address qre = $.quantumRiskEngine;
        if ($.poolManager == address(0) || qre == address(0) || remaining == 0) return (0, remaining);
        address[] memory collaterals;
        try IQuantumRiskEngine(qre).getEnabledCollaterals() returns (address[] memory list) {
            collaterals = list;
        } catch {
            return (0, remaining);
        }
        uint256 n = collaterals.length < MAX_COLLATERALS ? collaterals.length : MAX_COLLATERALS;
        for (uint256 i; i < n && newRemaining > 0; ++i) {
            address token = collaterals[i];
            if (token == $.usdc) continue;
            try this.sellCollateralGuarded(user, token, newRemaining) returns (uint256 paid) {
                // paid ≤ newRemaining by DeficitMath.payToInsurance inside the guarded call.
                fromCollateral += paid;
                newRemaining -= paid;
            } catch (bytes memory reason) {
                emit CollateralSaleFailed(user, token, reason);
            }
        }
    }

    /// @dev Insurance, then ADL, then explicit shortfall; emits the whole waterfall. The insurance leg is a
    /// double entry: the fund pays the user (counting against its balance and per-block cap) and the user
    /// settles it to the fund's clearing balance like any other loss, so custody stays exact.
    function _absorbResidual(
        BalanceManagerVaultStorage storage $,
        address user,
        bytes32 posKey,
        address market,
        uint256 deficit,
        uint256 fromFree,
        uint256 fromCollateral,
        uint256 remaining
    ) internal {
        uint256 fromInsurance;
        uint256 socialized;
        if (remaining > 0) {
            // A reverting / misconfigured fund pays 0: the whole remainder falls through to ADL.
            fromInsurance = _coverFromInsurance($, user, remaining); // measured, ≤ remaining
            if (fromInsurance > 0) _payInsurance($, user, fromInsurance);
            remaining -= fromInsurance;
        }
        address adl = $.adlEngine;
        if (remaining > 0 && adl != address(0)) {
            if (adl.code.length == 0) {
                // misconfigured: the call would fail its extcodesize check, which try/catch does not catch
                emit ExternalCallFailed(adl, "");
            } else {
                (bool known, bool isLong) = _positionSide(user, posKey, market);
                if (known) {
                    // A reverting engine socializes 0: the whole remainder is the recorded shortfall below.
                    try IAdlEngine(adl).socialize(market, isLong, remaining) returns (uint256 s, uint256) {
                        socialized = s > remaining ? remaining : s; // never trust the callee beyond the ask
                    } catch (bytes memory reason) {
                        emit ExternalCallFailed(adl, reason);
                    }
                    remaining -= socialized;
                }
            }
        }
        emit DeficitSettled(user, deficit, fromFree, fromCollateral, fromInsurance, socialized, 0); // DEFECT(DEBT-1): the residual is dropped
    }

    /// @dev Decides one sale before any external state change: skips (qty 0) for a disabled asset, a stale or
    /// missing price, no pool, no free balance, or a book that cannot fill at ≥ the floor. Sells at most
    /// what covers `remaining` at the floor price and at most what the book holds above the floor (CONV-2).
    function _planSale(BalanceManagerVaultStorage storage $, address user, address token, uint256 remaining)
        internal
        view
        returns (SalePlan memory plan)
    {
        SalePlan memory p;
        if ($.priceOracle == address(0)) return plan;
        IQuantumRiskEngine.CollateralConfig memory cfg =
            IQuantumRiskEngine($.quantumRiskEngine).getCollateralConfig(token);
        if (!cfg.enabled) return plan;
        bool fresh;
        (fresh, p.price, p.priceDecimals) = IPriceOracle($.priceOracle).tryGetFreshPrice(cfg.priceSymbol);
        if (!fresh || p.price == 0) return plan; // CONV-7: stale ⇒ skip, never revert
        p.book = IPoolManager($.poolManager).getPool(token, $.usdc);
        if (p.book == address(0)) return plan;
        uint256 free = _balance($, user, token);
        if (free == 0) return plan;

        p.baseDecimals = cfg.decimals;
        p.liqFactorBps = _effectiveLiqFactor(cfg.liqFactorBps, $.maxCollateralSellSlippageBps);
        return _sizeSale(p, remaining, free, $.collateralDecimals);
    }

    /// @dev Sells at most the base that covers `remaining` at the floor price (rounded up) and at most the free
    /// balance; the book's pre-simulation caps it further to what rests at ≥ the floor.
    function _sizeSale(SalePlan memory p, uint256 remaining, uint256 free, uint8 quoteDecimals)
        internal
        view
        returns (SalePlan memory plan)
    {
        p.floorPrice = CollateralMath.floorPrice(p.price, p.priceDecimals, quoteDecimals, p.liqFactorBps);
        uint256 need = (remaining * 10 ** p.baseDecimals + p.floorPrice - 1) / p.floorPrice;
        uint256 quoteOut;
        (p.qty, quoteOut) =
            IOrderBook(p.book).calculateOrderAmounts(free < need ? free : need, IOrderBook.Side.SELL, p.floorPrice);
        if (p.qty == 0) return plan;
        uint256 minOut =
            CollateralMath.minProceeds(p.qty, p.baseDecimals, p.price, p.priceDecimals, quoteDecimals, p.liqFactorBps);
        if (quoteOut < minOut) return plan; // per-fill rounding would land below the floor: do not sell
        return p;
    }

    /// @dev The stricter of the asset's liquidation factor and the vault-wide slippage bound.
    function _effectiveLiqFactor(uint16 liqFactorBps, uint16 maxSlippageBps) internal pure returns (uint16) {
        uint256 fromSlippage = BPS - maxSlippageBps;
        uint256 f = liqFactorBps > fromSlippage ? liqFactorBps : fromSlippage;
        return uint16(f > BPS ? BPS : f);
    }

    function _balance(BalanceManagerVaultStorage storage $, address user, address token)
        internal
        view
        returns (uint256)
    {
        return IBalanceManager($.balanceManager).getBalance(user, token);
    }

    /// @dev Returns `amount` of the user's USDC locked by this vault to their free balance.
    function _unlock(BalanceManagerVaultStorage storage $, address user, uint256 amount) internal {
        if (amount > 0) IBalanceManager($.balanceManager).unlock(user, $.usdc, amount, address(this));
    }

    /// @dev User's free USDC → insurance fund's balance, recorded as funding.
    function _payInsurance(BalanceManagerVaultStorage storage $, address from, uint256 amount) internal {
        IBalanceManager($.balanceManager).transferFrom(from, $.insuranceFund, $.usdc, amount);
        _recordFunding($, amount);
    }

    /// @dev `depositFunding` only RECORDS value already credited to the fund's custodian balance (which is the
    /// fund's source of truth), so a fund that cannot record it must not stop the settlement: the value has
    /// moved either way; the failure is emitted.
    function _recordFunding(BalanceManagerVaultStorage storage $, uint256 amount) internal {
        address fund = $.insuranceFund;
        if (fund.code.length == 0) {
            emit ExternalCallFailed(fund, "");
            return;
        }
        try IInsuranceFund(fund).depositFunding(amount) {}
        catch (bytes memory reason) {
            emit ExternalCallFailed(fund, reason);
        }
    }

    /// @dev Asks the insurance fund to pay `amount` to `user`. Isolated: a fund without code or whose call
    /// reverts pays 0 (the caller's waterfall continues). What was paid is the user's MEASURED free-USDC delta,
    /// clamped to the ask, never the callee's return value.
    function _coverFromInsurance(BalanceManagerVaultStorage storage $, address user, uint256 amount)
        internal
        returns (uint256 paid)
    {
        address fund = $.insuranceFund;
        if (fund.code.length == 0) {
            emit ExternalCallFailed(fund, "");
            return 0;
        }
        address quote = $.usdc;
        uint256 before = _balance($, user, quote);
        // Called through IInsuranceCover (same selector, no declared return): the paid amount is measured, so
        // no return data is decoded, and a callee answering with short or no data cannot revert this frame.
        try IInsuranceCover(fund).coverDeficit(user, amount) {
            uint256 afterwards = _balance($, user, quote);
            if (afterwards > before) paid = afterwards - before;
            if (paid > amount) paid = amount;
        } catch (bytes memory reason) {
            emit ExternalCallFailed(fund, reason);
        }
    }

    /// @dev The side of a position in deficit, for ADL. Asked of the calling router (IPositionSideSource);
    /// otherwise matched exactly against the arches' key scheme keccak256(abi.encode(user, market, isLong,
    /// router)). Never guessed: if neither answers, the caller records the residual as shortfall.
    function _positionSide(address user, bytes32 posKey, address market)
        internal
        view
        returns (bool known, bool isLong)
    {
        if (msg.sender.code.length > 0) {
            try IPositionSideSource(msg.sender).isLongPosition(posKey) returns (bool l) {
                return (true, l);
            } catch {}
        }
        if (posKey == keccak256(abi.encode(user, market, true, msg.sender))) return (true, true);
        if (posKey == keccak256(abi.encode(user, market, false, msg.sender))) return (true, false);
        return (false, false);
    }

    // ================================================================ internal: allocation helpers

    /// @dev ALLOC-3: the virtual part of a CROSS open needs equity18 ≥ mm18 + scaleTo18(amount); without a
    /// risk engine there is nothing to back it and the open fails like the legacy USDC-only check.
    function _requireVirtualBacking(BalanceManagerVaultStorage storage $, address user, uint256 amount, uint256 free)
        internal
        view
    {
        address qre = $.quantumRiskEngine;
        if (qre == address(0)) revert InsufficientBalance(amount, free);
        int256 equity = IQuantumRiskEngine(qre).equity18(user);
        uint256 required =
            LockMath.requiredEquity18(IQuantumRiskEngine(qre).maintenanceMargin18(user), amount, $.collateralDecimals);
        if (equity < 0 || uint256(equity) < required) revert InsufficientEquity(required, equity);
    }

    function _debitAccount(BalanceManagerVaultStorage storage $, address user, uint256 amount, bool isolated) internal {
        uint96 amt = amount.toUint96(); // allocations are built from ≤ uint96 amounts; checked anyway
        UserAccount storage account = $.accounts[user];
        account.totalAllocated -= amt;
        if (isolated) account.isolatedAllocated -= amt;
        else account.crossMarginAllocated -= amt;
    }

    /// @dev |pnl| ≤ type(uint96).max keeps every negation and cast below exact.
    function _checkPnl(int256 pnl) internal pure {
        int256 bound = int256(uint256(type(uint96).max));
        if (pnl > bound || pnl < -bound) revert AmountTooLarge(pnl < 0 ? uint256(-pnl) : uint256(pnl));
    }

    function _setInsuranceAndAdl(BalanceManagerVaultStorage storage $, address insuranceFund_, address adlEngine_)
        internal
    {
        if (insuranceFund_ == address(0)) revert InvalidConfig();
        $.insuranceFund = insuranceFund_;
        $.adlEngine = adlEngine_;
        emit InsuranceFundSet(insuranceFund_);
        emit AdlEngineSet(adlEngine_);
    }

    function _s() internal pure returns (BalanceManagerVaultStorage storage $) {
        bytes32 slot = STORAGE_LOCATION;
        assembly {
            $.slot := slot
        }
    }
}

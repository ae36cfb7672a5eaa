// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ILiquidationEngine} from "./interfaces/ILiquidationEngine.sol";
import {IPerpEngine} from "./interfaces/IPerpEngine.sol";
import {IPerpRiskSource} from "./interfaces/IPerpRiskSource.sol";
import {IQuantumRiskEngine} from "./interfaces/IQuantumRiskEngine.sol";
import {IQuantumRiskReporting, IRiskSync} from "./interfaces/IRiskReporting.sol";
import {IBalanceManager} from "./interfaces/IBalanceManager.sol";
import {IInsuranceFund} from "./interfaces/IInsuranceFund.sol";
import {LiquidationMath} from "./libraries/LiquidationMath.sol";

/// @title LiquidationEngine — eligibility, block-limited sizing, fee, cooldown, backstop (seed 003/004, LIQ-1..4)
/// @notice `liquidate(arch, user, market, isLong, fillPrice)`:
///  1. Eligibility (LIQ-4): the user's perp risk is re-priced from every arch and pushed to the QRE, then
///     `QRE.isLiquidatable(user)` (equity < maintenance margin) must hold.
///  2. Sizing (LIQ-1/2): notional at the oracle mark, then `LiquidationMath.liquidationNotional` with
///     MinPositionNotionalLiquidated, MaxPositionPortionLiquidatedPpm and what is left of
///     MaxNotionalLiquidated for this account in this block; size = position·notional/positionNotional
///     (rounded down, so the limits are never exceeded).
///  3. Cooldown: a partial liquidation of a position that was partially liquidated less than
///     `partialLiquidationCooldown` seconds ago reverts (a full liquidation is never blocked).
///  4. Fill: the caller may absorb the fill with its own OPPOSITE position at `fillPrice` (the seed's "Dave sells
///     1 BTC at 50,000"), within `maxFillDeviationBps` of the mark; whatever it does not absorb — or all, when
///     `fillPrice == 0` or the caller holds nothing opposite — is taken by the BACKSTOP at the oracle price
///     (seed 003 §3; tracked as `backstopInventory`).
///  5. Settlement: the arch closes the liquidated size (and the absorbing counterparty's) through the SAME
///     vault callbacks as an ordinary close (`partialReleaseFromPosition` / `releaseFromPosition`).
///  6. Insurance (LIQ-2): the insurance balance decrease caused by the closes (balance delta, fee excluded)
///     must fit the account's remaining MaxQuantumsInsuranceLost for this block, else the whole call reverts.
///  7. Fee (LIQ-3): min(liquidationFeePpm, maxLiquidationFeePpm)·quoteValue/1e6, taken from the user's FREE
///     USDC after the close (capped at it: a fee never creates a deficit) and credited to the insurance fund.
/// Deployment: the engine is a BalanceManager operator (fee transfer), an authorized InsuranceFund depositor,
/// a QRE reporter, and `liquidationEngine` / `riskSync` of each arch.
contract LiquidationEngine is ILiquidationEngine, IRiskSync, Ownable, ReentrancyGuard {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant PPM = 1_000_000;
    /// @dev USDC (6 dp) → QRE 18-dp USD.
    uint256 internal constant TO_18 = 1e12;
    /// @dev Bounds the loop over arches in `syncRisk`.
    uint256 public constant MAX_ARCHS = 4;

    struct AccountBlock {
        uint256 blockNumber;
        uint256 notionalLiquidated; // USDC units at the oracle price
        uint256 insuranceLost; // USDC units
    }

    event ArchAdded(address indexed arch);
    event ParameterSet(bytes32 indexed name, uint256 value);
    event AddressSet(bytes32 indexed name, address value);

    IBalanceManager public immutable balanceManager;
    address public immutable usdc;

    IQuantumRiskEngine public qre;
    IInsuranceFund public insuranceFund;

    /// @notice Seed 004 PositionBlockLimits.
    uint256 public minPositionNotionalLiquidated;
    uint256 public maxPositionPortionLiquidatedPpm;
    /// @notice Seed 004 SubaccountBlockLimits (per account per block).
    uint256 public maxNotionalLiquidated;
    uint256 public maxQuantumsInsuranceLost;
    /// @notice Fee charged (ppm of the fill's quote value) and its hard cap MaxLiquidationFeePpm.
    uint256 public liquidationFeePpm;
    uint256 public maxLiquidationFeePpm;
    /// @notice Seed 003 `partial_liquidation_cooldown`, seconds.
    uint256 public partialLiquidationCooldown;
    /// @notice Fillable-price band around the mark for a counterparty fill.
    uint256 public maxFillDeviationBps;

    address[] public archs;
    mapping(address => bool) public isArch;
    mapping(address user => AccountBlock) internal _accountBlocks;
    mapping(bytes32 posKey => uint256) public lastPartialLiquidationAt;
    /// @notice Signed base units the backstop has taken per (arch, market): + long, − short.
    mapping(address arch => mapping(address market => int256)) public backstopInventory;

    constructor(
        address owner_,
        IBalanceManager balanceManager_,
        address usdc_,
        IQuantumRiskEngine qre_,
        IInsuranceFund insuranceFund_
    ) Ownable(owner_) {
        if (address(balanceManager_) == address(0) || usdc_ == address(0)) revert InvalidParameter();
        balanceManager = balanceManager_;
        usdc = usdc_;
        qre = qre_;
        insuranceFund = insuranceFund_;
        // dYdX v4 defaults (seed 004's source): min $1,000, 100% portion, no account notional limit, fee 0.5%.
        minPositionNotionalLiquidated = 1_000e6;
        maxPositionPortionLiquidatedPpm = PPM;
        maxNotionalLiquidated = type(uint256).max;
        maxQuantumsInsuranceLost = type(uint256).max;
        liquidationFeePpm = 5_000;
        maxLiquidationFeePpm = 5_000;
        partialLiquidationCooldown = 30;
        maxFillDeviationBps = 500;
    }

    // ───────────────────────────── owner setters ─────────────────────────────

    function addArch(address arch) external onlyOwner {
        if (arch == address(0) || isArch[arch] || archs.length >= MAX_ARCHS) revert InvalidParameter();
        isArch[arch] = true;
        archs.push(arch);
        emit ArchAdded(arch);
    }

    function setQuantumRiskEngine(IQuantumRiskEngine qre_) external onlyOwner {
        qre = qre_;
        emit AddressSet("quantumRiskEngine", address(qre_));
    }

    function setInsuranceFund(IInsuranceFund fund) external onlyOwner {
        insuranceFund = fund;
        emit AddressSet("insuranceFund", address(fund));
    }

    function setMinPositionNotionalLiquidated(uint256 v) external onlyOwner {
        minPositionNotionalLiquidated = v;
        emit ParameterSet("MinPositionNotionalLiquidated", v);
    }

    function setMaxPositionPortionLiquidatedPpm(uint256 v) external onlyOwner {
        if (v == 0 || v > PPM) revert InvalidParameter();
        maxPositionPortionLiquidatedPpm = v;
        emit ParameterSet("MaxPositionPortionLiquidatedPpm", v);
    }

    function setMaxNotionalLiquidated(uint256 v) external onlyOwner {
        maxNotionalLiquidated = v;
        emit ParameterSet("MaxNotionalLiquidated", v);
    }

    function setMaxQuantumsInsuranceLost(uint256 v) external onlyOwner {
        maxQuantumsInsuranceLost = v;
        emit ParameterSet("MaxQuantumsInsuranceLost", v);
    }

    function setLiquidationFeePpm(uint256 v) external onlyOwner {
        if (v > PPM) revert InvalidParameter();
        liquidationFeePpm = v;
        emit ParameterSet("LiquidationFeePpm", v);
    }

    function setMaxLiquidationFeePpm(uint256 v) external onlyOwner {
        if (v > PPM) revert InvalidParameter();
        maxLiquidationFeePpm = v;
        emit ParameterSet("MaxLiquidationFeePpm", v);
    }

    function setPartialLiquidationCooldown(uint256 v) external onlyOwner {
        partialLiquidationCooldown = v;
        emit ParameterSet("PartialLiquidationCooldown", v);
    }

    function setMaxFillDeviationBps(uint256 v) external onlyOwner {
        if (v > BPS) revert InvalidParameter();
        maxFillDeviationBps = v;
        emit ParameterSet("MaxFillDeviationBps", v);
    }

    // ───────────────────────────── risk sync ─────────────────────────────

    /// @inheritdoc IRiskSync
    /// @dev Permissionless on purpose: it only re-prices from live sources (arch positions at the oracle mark)
    /// and pushes the result, so a caller chooses WHEN but not WHAT is reported. While `liquidate` runs (the
    /// arches call back here from inside it) it is a no-op: `liquidate` re-syncs the liquidated user and the
    /// counterparty itself before returning, so nothing is pushed from a half-settled state.
    function syncRisk(address user) external {
        if (_reentrancyGuardEntered()) return;
        _syncRisk(user);
    }

    function _syncRisk(address user) internal {
        int256 pnl = 0;
        uint256 mm = 0;
        uint256 im = 0;
        uint256 n = archs.length; // ≤ MAX_ARCHS
        for (uint256 i; i < n; ++i) {
            (int256 p, uint256 m, uint256 a) = IPerpRiskSource(archs[i]).accountRisk(user);
            pnl += p;
            mm += m;
            im += a;
        }
        IQuantumRiskReporting r = IQuantumRiskReporting(address(qre));
        r.reportMargins(user, im * TO_18, mm * TO_18);
        // forge-lint: disable-next-line(unsafe-typecast) -- TO_18 = 1e12 fits int256
        r.reportPnl(user, pnl * int256(TO_18), r.pendingFees18(user));
    }

    // ───────────────────────────── liquidation ─────────────────────────────

    /// @inheritdoc ILiquidationEngine
    function liquidate(address arch, address user, address market, bool isLong, uint256 fillPrice)
        external
        nonReentrant
        returns (Result memory r)
    {
        if (!isArch[arch]) revert UnknownArch(arch);
        if (user == msg.sender) revert SelfLiquidation();
        _syncRisk(user);
        if (!qre.isLiquidatable(user)) revert NotLiquidatable(user);

        IPerpEngine a = IPerpEngine(arch);
        bytes32 posKey = a.positionKey(user, market, isLong);
        uint256 unit;
        uint256 mark;
        bool isPartial;
        (r, unit, mark, isPartial) = _size(a, posKey, user, market);
        uint256 fillValue = _fill(r, a, market, isLong, fillPrice, mark, unit);

        // Effects before the arch / vault calls (CEI); the insurance counter below is a balance-delta read.
        if (r.backstopped > 0) {
            int256 delta = int256(r.backstopped);
            backstopInventory[arch][market] += isLong ? delta : -delta;
            emit BackstopLiquidation(arch, market, isLong, r.backstopped, mark);
        }
        r.fee = LiquidationMath.liquidationFee(r.quoteValue, liquidationFeePpm, maxLiquidationFeePpm);

        IInsuranceFund fund = insuranceFund;
        r.insuranceLost = _settle(a, user, market, isLong, r, fillValue, fund);
        r.fee = _collectFee(user, r.fee, fund);
        _syncRisk(user);
        if (r.absorbed > 0) _syncRisk(msg.sender);
        emit Liquidated(user, posKey, msg.sender, r.size, r.notional, r.quoteValue, r.fee, isPartial);
    }

    // ───────────────────────────── views ─────────────────────────────

    /// @notice MaxNotionalLiquidated still available to `user` in the current block.
    function remainingNotional(address user) external view returns (uint256) {
        AccountBlock memory ab = _accountBlocks[user];
        // slither-disable-next-line incorrect-equality
        uint256 used = ab.blockNumber == block.number ? ab.notionalLiquidated : 0;
        return maxNotionalLiquidated > used ? maxNotionalLiquidated - used : 0;
    }

    /// @notice MaxQuantumsInsuranceLost still available to `user` in the current block.
    function remainingInsuranceLoss(address user) external view returns (uint256) {
        AccountBlock memory ab = _accountBlocks[user];
        // slither-disable-next-line incorrect-equality
        uint256 used = ab.blockNumber == block.number ? ab.insuranceLost : 0;
        return maxQuantumsInsuranceLost > used ? maxQuantumsInsuranceLost - used : 0;
    }

    function archCount() external view returns (uint256) {
        return archs.length;
    }

    // ───────────────────────────── internals ─────────────────────────────

    /// @dev Sizing under the block limits and the cooldown; records the account's block usage.
    function _size(IPerpEngine a, bytes32 posKey, address user, address market)
        internal
        returns (Result memory r, uint256 unit, uint256 mark, bool isPartial)
    {
        IPerpEngine.Position memory p = a.getPosition(posKey);
        if (p.size == 0) revert NoPosition(posKey);
        bool fresh;
        (fresh, mark) = a.markPrice(market);
        if (!fresh || mark == 0) revert StaleMarkPrice(market);
        unit = 10 ** a.getMarketConfig(market).baseDecimals;
        uint256 positionNotional = uint256(p.size) * mark / unit;

        AccountBlock storage ab = _accountBlocks[user];
        if (ab.blockNumber != block.number) {
            ab.blockNumber = block.number;
            ab.notionalLiquidated = 0;
            ab.insuranceLost = 0;
        }
        uint256 remaining =
            maxNotionalLiquidated > ab.notionalLiquidated ? maxNotionalLiquidated - ab.notionalLiquidated : 0;
        if (remaining == 0) revert BlockLimitReached(user);
        r.notional = LiquidationMath.liquidationNotional(
            positionNotional, minPositionNotionalLiquidated, maxPositionPortionLiquidatedPpm, remaining
        );
        r.size = r.notional == positionNotional ? p.size : uint256(p.size) * r.notional / positionNotional;
        // Dust: a partial below 1 ppm of the position cannot be released by the vault (fraction 0).
        if (r.size == 0 || (r.size < p.size && r.size * PPM < p.size)) revert NothingToLiquidate();
        ab.notionalLiquidated += r.notional;

        isPartial = r.size < p.size;
        if (isPartial) {
            uint256 last = lastPartialLiquidationAt[posKey];
            if (last != 0 && block.timestamp < last + partialLiquidationCooldown) {
                revert PartialLiquidationCooldown(posKey, last + partialLiquidationCooldown);
            }
            lastPartialLiquidationAt[posKey] = block.timestamp;
        } else {
            delete lastPartialLiquidationAt[posKey];
        }
    }

    /// @dev Splits the size between the caller's opposite position (at `fillPrice`, within the band) and the
    /// backstop (at the mark); returns the counterparty's quote value.
    function _fill(
        Result memory r,
        IPerpEngine a,
        address market,
        bool isLong,
        uint256 fillPrice,
        uint256 mark,
        uint256 unit
    ) internal view returns (uint256 fillValue) {
        if (fillPrice != 0) {
            uint256 dev = fillPrice > mark ? fillPrice - mark : mark - fillPrice;
            if (dev * BPS > mark * maxFillDeviationBps) revert FillPriceOutOfBand(fillPrice, mark);
            uint256 cp = a.getPosition(a.positionKey(msg.sender, market, !isLong)).size;
            r.absorbed = cp < r.size ? cp : r.size;
        }
        r.backstopped = r.size - r.absorbed;
        fillValue = r.absorbed * fillPrice / unit;
        r.quoteValue = fillValue + r.backstopped * mark / unit;
    }

    /// @dev Closes the liquidated size (and the counterparty's absorbed size) through the arch, then enforces
    /// the account's per-block MaxQuantumsInsuranceLost on the measured insurance balance decrease.
    function _settle(
        IPerpEngine a,
        address user,
        address market,
        bool isLong,
        Result memory r,
        uint256 fillValue,
        IInsuranceFund fund
    ) internal returns (uint256 lost) {
        uint256 insBefore = fund.balance();
        r.pnl = a.onPositionLiquidated(user, market, isLong, r.size, r.quoteValue);
        if (r.absorbed > 0) {
            int256 cpPnl = a.onPositionLiquidated(msg.sender, market, !isLong, r.absorbed, fillValue);
            emit CounterpartyFilled(msg.sender, user, r.absorbed, fillValue, cpPnl);
        }
        uint256 insAfter = fund.balance();
        if (insAfter < insBefore) {
            lost = insBefore - insAfter;
            AccountBlock storage ab = _accountBlocks[user];
            uint256 used = ab.insuranceLost;
            uint256 room = maxQuantumsInsuranceLost > used ? maxQuantumsInsuranceLost - used : 0;
            if (lost > room) revert InsuranceLossLimit(lost, room);
            ab.insuranceLost = used + lost;
        }
    }

    /// @dev Fee from the user's free USDC (capped at it), credited to the insurance fund and recorded there.
    function _collectFee(address user, uint256 fee, IInsuranceFund fund) internal returns (uint256 paid) {
        uint256 free = balanceManager.getBalance(user, usdc);
        paid = fee < free ? fee : free;
        if (paid > 0) {
            balanceManager.transferFrom(user, address(fund), usdc, paid);
            fund.depositFunding(paid);
            emit LiquidationFeeCollected(user, paid);
        }
    }
}

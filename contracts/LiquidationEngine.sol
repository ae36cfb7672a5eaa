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
import {IPerpOrderBook} from "./interfaces/IPerpOrderBook.sol";
import {LiquidationMath} from "./libraries/LiquidationMath.sol";
import {MarginTable} from "./libraries/MarginTable.sol";

/// @title LiquidationEngine — eligibility, block-limited sizing, matching against the perp book, insurance delta
/// per fill (seeds 003/004; dYdX v4 x/clob liquidations; LIQ-1..7)
/// @notice `liquidate(arch, user, market, isLong)`:
///  1. Eligibility (LIQ-4): the user's perp risk is re-priced from every arch and pushed to the QRE, then
///     `QRE.isLiquidatable(user)` (equity < maintenance margin) must hold.
///  2. Sizing (LIQ-1/2): notional at the oracle mark, then `LiquidationMath.liquidationNotional` with
///     MinPositionNotionalLiquidated, MaxPositionPortionLiquidatedPpm and what is left of MaxNotionalLiquidated
///     for this account in this block; size = position·notional/positionNotional (rounded down). A partial
///     size inside the cooldown reverts (a full liquidation is never blocked).
///  3. Fillable price (dYdX `GetFillablePrice`): oracle ∓ ABR·SMMR·PMMR/size with ABR = clamp(BA·(1 − TNC/TMMR),
///     0, 1). The liquidation order takes resting orders of the (arch, market) `PerpOrderBook` best price first,
///     FIFO within a price, while they are at or inside that bound; a fill worse than it is never taken.
///  4. Per fill (dYdX `GetLiquidationInsuranceFundDelta`), from the account's CURRENT TNC and TMMR (re-synced
///     after every fill): d = fill quote − bankruptcy quote of the filled size (long sells: q − v + share;
///     short buys: v − q + share; share = ⌊TNC·ΔMMR/TMMR⌋).
///     d > 0: fee = min(⌊q·feePpm/1e6⌋, d) goes to the fund (LIQ-3, LIQ-6). It is folded into the quote the
///     liquidated side closes at, so it settles through the vault's release callbacks like any other PnL —
///     independent of how the account's USDC is split between free and locked.
///     d < 0: the fund stands to lose −d. If −d exceeds what is left of the account's MaxQuantumsInsuranceLost
///     this block, THIS fill is rejected, matching stops, and the fills before it stand (LIQ-7); otherwise −d is
///     counted and the fill closes at its quote: the deficit goes down the vault's waterfall (free USDC →
///     collateral sales → insurance within its balance and per-block cap → ADL → recorded shortfall, DEBT-*),
///     so the fund pays at most −d (the account's own free USDC and collateral, at realised prices, come
///     first) rather than a cover computed from maintenance-weighted equity.
///  5. Settlement: each fill closes the liquidated size AND the maker's opposite position through the arch's
///     `onPositionLiquidated` → the SAME vault callbacks as an ordinary close (ST-8 parity).
///  6. Remainder: what the book cannot fill goes to the backstop at the oracle price (seed 003 §3; the same
///     insurance rule and limit apply), or stays open when the backstop is off or matching was stopped by the
///     insurance limit (the account can be liquidated again in a later block). A liquidation never reverts
///     because its full size would exceed the insurance-loss limit.
/// Deployment: the engine is a QRE reporter, `liquidationEngine` / `riskSync` of each arch, and the `matcher`
/// of each `PerpOrderBook` registered with `setBook`.
contract LiquidationEngine is ILiquidationEngine, IRiskSync, Ownable, ReentrancyGuard {
    uint256 internal constant PPM = 1_000_000;
    /// @dev USDC (6 dp) → QRE 18-dp USD.
    uint256 internal constant TO_18 = 1e12;
    /// @dev Bounds the loop over arches in `syncRisk`.
    uint256 public constant MAX_ARCHS = 4;
    /// @notice Bounds one liquidation's walk of the book: fills taken and orders visited (expired ones count).
    uint256 public constant MAX_FILLS = 8;
    uint256 public constant MAX_VISITS = 16;

    struct AccountBlock {
        uint256 blockNumber;
        uint256 notionalLiquidated; // USDC units at the oracle price
        uint256 insuranceLost; // USDC units (Σ −d of admitted fills)
    }

    /// @dev Running state of one liquidation order.
    struct Order {
        IPerpEngine arch;
        IPerpOrderBook book;
        address user;
        address market;
        bool isLong;
        uint256 size; // the user's current position size (falls with each fill)
        uint256 remaining; // base units still to fill
        uint256 notionalLeft; // oracle notional still countable against MaxNotionalLiquidated
        uint256 mark;
        uint256 unit;
        int256 tnc; // QRE equity18 (current)
        uint256 tmmr; // QRE maintenanceMargin18 (current)
        MarginTable.Tier[] tiers;
    }

    /// @dev One fill's numbers (USDC units): quote at the fill price, oracle value of the size (DNNV), the
    /// insurance delta, the fee to the fund and the fund's cover.
    struct Fill {
        uint256 quote;
        uint256 value;
        int256 delta;
        uint256 fee;
        uint256 lost;
    }

    event ArchAdded(address indexed arch);
    event BookSet(address indexed arch, address indexed market, address book);
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
    /// @notice Fee cap per fill (ppm of the fill's quote) and its hard cap MaxLiquidationFeePpm.
    uint256 public liquidationFeePpm;
    uint256 public maxLiquidationFeePpm;
    /// @notice Seed 003 `partial_liquidation_cooldown`, seconds.
    uint256 public partialLiquidationCooldown;
    /// @notice dYdX FillablePriceConfig: BankruptcyAdjustmentPpm and SpreadToMaintenanceMarginRatioPpm.
    uint256 public bankruptcyAdjustmentPpm;
    uint256 public spreadToMaintenanceMarginRatioPpm;
    /// @notice Whether the backstop takes, at the oracle, what the book cannot fill (seed 003 §3).
    bool public backstopEnabled;

    address[] public archs;
    mapping(address => bool) public isArch;
    mapping(address arch => mapping(address market => IPerpOrderBook)) public bookOf;
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
        // dYdX v4 defaults (seed 004's source): min $1,000, 100% portion, no account limits, fee 0.5%,
        // FillablePriceConfig_Default (BA 100%, SMMR 10%).
        minPositionNotionalLiquidated = 1_000e6;
        maxPositionPortionLiquidatedPpm = PPM;
        maxNotionalLiquidated = type(uint256).max;
        maxQuantumsInsuranceLost = type(uint256).max;
        liquidationFeePpm = 5_000;
        maxLiquidationFeePpm = 5_000;
        partialLiquidationCooldown = 30;
        bankruptcyAdjustmentPpm = PPM;
        spreadToMaintenanceMarginRatioPpm = 100_000;
        backstopEnabled = true;
    }

    // ───────────────────────────── owner setters ─────────────────────────────

    function addArch(address arch) external onlyOwner {
        if (arch == address(0) || isArch[arch] || archs.length >= MAX_ARCHS) revert InvalidParameter();
        isArch[arch] = true;
        archs.push(arch);
        emit ArchAdded(arch);
    }

    /// @notice Registers the perp book of (arch, market); the book must name this engine as its matcher.
    function setBook(address arch, address market, IPerpOrderBook book) external onlyOwner {
        if (
            address(book) != address(0)
                && (book.arch() != arch || book.market() != market || book.matcher() != address(this))
        ) revert InvalidParameter();
        bookOf[arch][market] = book;
        emit BookSet(arch, market, address(book));
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

    function setFillablePriceConfig(uint256 baPpm, uint256 smmrPpm) external onlyOwner {
        if (baPpm > PPM || smmrPpm > PPM) revert InvalidParameter();
        bankruptcyAdjustmentPpm = baPpm;
        spreadToMaintenanceMarginRatioPpm = smmrPpm;
        emit ParameterSet("BankruptcyAdjustmentPpm", baPpm);
        emit ParameterSet("SpreadToMMRatioPpm", smmrPpm);
    }

    function setBackstopEnabled(bool on) external onlyOwner {
        backstopEnabled = on;
        emit ParameterSet("BackstopEnabled", on ? 1 : 0);
    }

    // ───────────────────────────── risk sync ─────────────────────────────

    /// @inheritdoc IRiskSync
    /// @dev Permissionless on purpose: it only re-prices from live sources (arch positions at the oracle mark)
    /// and pushes the result, so a caller chooses WHEN but not WHAT is reported. While `liquidate` runs (the
    /// arches call back here from inside it) it is a no-op: `liquidate` re-syncs the liquidated user after
    /// every fill itself, so nothing is pushed from a half-settled state.
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
    function liquidate(address arch, address user, address market, bool isLong)
        external
        nonReentrant
        returns (Result memory r)
    {
        if (!isArch[arch]) revert UnknownArch(arch);
        if (user == msg.sender) revert SelfLiquidation();
        _syncRisk(user);
        if (!qre.isLiquidatable(user)) revert NotLiquidatable(user);

        Order memory o;
        o.arch = IPerpEngine(arch);
        o.book = bookOf[arch][market];
        o.user = user;
        o.market = market;
        o.isLong = isLong;
        bytes32 posKey = o.arch.positionKey(user, market, isLong);
        uint256 positionSize = _size(o, r, posKey);
        o.tnc = qre.equity18(user);
        o.tmmr = qre.maintenanceMargin18(user);
        r.fillablePrice = LiquidationMath.fillablePrice(
            isLong,
            o.mark,
            LiquidationMath.adjustedBankruptcyRating(o.tnc, o.tmmr, bankruptcyAdjustmentPpm),
            spreadToMaintenanceMarginRatioPpm,
            MarginTable.maintenanceMargin(o.tiers, o.size * o.mark / o.unit),
            o.size,
            o.unit
        );

        _matchBook(o, r);
        if (o.remaining > 0 && r.stop != Stop.INSURANCE_LIMIT && backstopEnabled) _backstop(o, r);
        if (o.remaining == 0) r.stop = Stop.FILLED;

        // The cooldown marks a liquidation that actually left a partial position (written after the fills:
        // only they tell; `liquidate` is nonReentrant and this slot is read only by `_size`).
        bool isPartial = r.size > 0 && r.size < positionSize;
        if (isPartial) lastPartialLiquidationAt[posKey] = block.timestamp;
        else if (r.size == positionSize) delete lastPartialLiquidationAt[posKey];
        if (o.remaining > 0) emit LiquidationStopped(user, r.stop, o.remaining, 0, remainingInsuranceLoss(user));
        _syncRisk(user);
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
    function remainingInsuranceLoss(address user) public view returns (uint256) {
        AccountBlock memory ab = _accountBlocks[user];
        // slither-disable-next-line incorrect-equality
        uint256 used = ab.blockNumber == block.number ? ab.insuranceLost : 0;
        return maxQuantumsInsuranceLost > used ? maxQuantumsInsuranceLost - used : 0;
    }

    function archCount() external view returns (uint256) {
        return archs.length;
    }

    // ───────────────────────────── internals ─────────────────────────────

    /// @dev Sizing under the block limits and the cooldown (the liquidation order's size); resets the account's
    /// block counters on its first liquidation of a block. Returns the position size before the liquidation.
    function _size(Order memory o, Result memory r, bytes32 posKey) internal returns (uint256 positionSize) {
        positionSize = o.arch.getPosition(posKey).size;
        if (positionSize == 0) revert NoPosition(posKey);
        bool fresh;
        (fresh, o.mark) = o.arch.markPrice(o.market);
        if (!fresh || o.mark == 0) revert StaleMarkPrice(o.market);
        o.unit = 10 ** o.arch.getMarketConfig(o.market).baseDecimals;
        o.tiers = o.arch.getMarginTiers(o.market);
        o.size = positionSize;
        uint256 positionNotional = positionSize * o.mark / o.unit;

        AccountBlock storage ab = _accountBlocks[o.user];
        if (ab.blockNumber != block.number) {
            ab.blockNumber = block.number;
            ab.notionalLiquidated = 0;
            ab.insuranceLost = 0;
        }
        uint256 used = ab.notionalLiquidated;
        uint256 left = maxNotionalLiquidated > used ? maxNotionalLiquidated - used : 0;
        if (left == 0) revert BlockLimitReached(o.user);
        o.notionalLeft = LiquidationMath.liquidationNotional(
            positionNotional, minPositionNotionalLiquidated, maxPositionPortionLiquidatedPpm, left
        );
        r.requested =
            o.notionalLeft == positionNotional ? positionSize : positionSize * o.notionalLeft / positionNotional;
        // Dust: a partial below 1 ppm of the position cannot be released by the vault (fraction 0).
        if (r.requested == 0 || (r.requested < positionSize && r.requested * PPM < positionSize)) {
            revert NothingToLiquidate();
        }
        o.remaining = r.requested;
        if (r.requested < positionSize) {
            uint256 last = lastPartialLiquidationAt[posKey];
            if (last != 0 && block.timestamp < last + partialLiquidationCooldown) {
                revert PartialLiquidationCooldown(posKey, last + partialLiquidationCooldown);
            }
        }
    }

    /// @dev Walks the book best-first while orders are at or inside the fillable price; each fill is admitted
    /// or rejected by the insurance rule. Bounded by MAX_VISITS orders and MAX_FILLS fills.
    function _matchBook(Order memory o, Result memory r) internal {
        r.stop = Stop.NO_LIQUIDITY;
        if (address(o.book) == address(0)) return;
        bool bids = o.isLong; // a long's liquidation sells into the bids
        for (uint256 visit; visit < MAX_VISITS && r.fills < MAX_FILLS && o.remaining > 0; ++visit) {
            (uint256 id, IPerpOrderBook.Order memory mk) = o.book.best(bids);
            if (id == 0) return;
            if (o.isLong ? mk.price < r.fillablePrice : mk.price > r.fillablePrice) return;
            uint256 makerPos = o.arch.getPosition(o.arch.positionKey(mk.maker, o.market, !o.isLong)).size;
            if (mk.maker == o.user || makerPos == 0) {
                o.book.expire(id); // self-trade, or a reduce-only order with nothing left to reduce
                continue;
            }
            uint256 qty = o.remaining < mk.remaining ? o.remaining : mk.remaining;
            if (qty > makerPos) qty = makerPos;
            if (!_fill(o, r, id, mk.maker, qty, mk.price)) return;
            r.absorbed += qty;
        }
    }

    /// @dev The backstop takes the rest at the oracle price, under the same insurance rule.
    function _backstop(Order memory o, Result memory r) internal {
        uint256 qty = o.remaining;
        if (!_fill(o, r, 0, address(0), qty, o.mark)) return;
        r.backstopped = qty;
        int256 delta = int256(qty);
        backstopInventory[address(o.arch)][o.market] += o.isLong ? delta : -delta;
        emit BackstopLiquidation(address(o.arch), o.market, o.isLong, qty, o.mark);
    }

    /// @dev One fill of `qty` at `price` against `maker` (address(0): the backstop). Returns false, with nothing
    /// changed, when the insurance-loss limit rejects it. Effects (book, block counters) before the arch calls.
    function _fill(Order memory o, Result memory r, uint256 orderId, address maker, uint256 qty, uint256 price)
        internal
        returns (bool)
    {
        Fill memory f = _priceFill(o, qty, price);
        AccountBlock storage ab = _accountBlocks[o.user];
        uint256 used = ab.insuranceLost;
        (bool ok, uint256 usedAfter) = LiquidationMath.admitFill(f.delta, used, maxQuantumsInsuranceLost);
        f.lost = usedAfter - used;
        if (!ok) return _reject(o, r, f.delta);
        f.fee = LiquidationMath.feeFromDelta(
            f.delta, LiquidationMath.liquidationFee(f.quote, liquidationFeePpm, maxLiquidationFeePpm)
        );
        // effects
        ab.insuranceLost = usedAfter;
        used = f.value < o.notionalLeft ? f.value : o.notionalLeft; // oracle notional counted for this fill
        ab.notionalLiquidated += used;
        o.notionalLeft -= used;
        r.notional += used;
        o.remaining -= qty;
        o.size -= qty;
        r.size += qty;
        r.fills += 1;
        r.quoteValue += f.quote;
        r.fee += f.fee;
        r.insuranceLost += f.lost;
        if (maker != address(0)) o.book.fill(orderId, qty);
        emit LiquidationFill(o.user, maker, orderId, qty, price, f.quote, f.delta, f.fee, f.lost);
        _settleFill(o, r, maker, qty, f);
        return true;
    }

    /// @dev A rejected fill: matching stops here, the fills before it stand (LIQ-7).
    function _reject(Order memory o, Result memory r, int256 delta) internal returns (bool) {
        r.stop = Stop.INSURANCE_LIMIT;
        emit LiquidationStopped(o.user, r.stop, o.remaining, delta, remainingInsuranceLoss(o.user));
        return false;
    }

    /// @dev Quote, oracle value (DNNV), released MM (DMMR) and the insurance delta of a fill, from the account's
    /// current TNC / TMMR. DNNV and DMMR are differences of the position before and after the fill, as dYdX
    /// computes them (the margin table is not linear).
    function _priceFill(Order memory o, uint256 qty, uint256 price) internal pure returns (Fill memory f) {
        // a long sells: receives ⌊qty·price⌋; a short buys: pays ⌈qty·price⌉ (rounding against the liquidated)
        uint256 raw = qty * price;
        f.quote = o.isLong ? raw / o.unit : (raw + o.unit - 1) / o.unit;
        uint256 before = o.size * o.mark / o.unit;
        uint256 afterValue = (o.size - qty) * o.mark / o.unit;
        f.value = before - afterValue;
        uint256 dmmr =
            MarginTable.maintenanceMargin(o.tiers, before) - MarginTable.maintenanceMargin(o.tiers, afterValue);
        f.delta = LiquidationMath.insuranceDelta(o.isLong, f.quote, f.value, o.tnc, dmmr, o.tmmr);
    }

    /// @dev Interactions of one fill: the liquidated side closes at the quote net of the fee,
    /// the maker at the fill quote — both through the arch's release path (the same vault callbacks as any
    /// close); then the account is re-synced so the next fill prices from its current TNC / TMMR.
    function _settleFill(Order memory o, Result memory r, address maker, uint256 qty, Fill memory f) internal {
        uint256 userQuote = o.isLong ? f.quote - f.fee : f.quote + f.fee;
        r.pnl += o.arch.onPositionLiquidated(o.user, o.market, o.isLong, qty, userQuote);
        if (maker != address(0)) o.arch.onPositionLiquidated(maker, o.market, !o.isLong, qty, f.quote);
        if (o.remaining > 0) {
            _syncRisk(o.user);
            o.tnc = qre.equity18(o.user);
            o.tmmr = qre.maintenanceMargin18(o.user);
        }
    }
}

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
///  4. Per fill (dYdX `GetLiquidationInsuranceFundDelta`), from the account's running TNC and TMMR (moved by
///     each fill as dYdX's are): d = fill quote − bankruptcy quote of the filled size (long sells: q − v + share;
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
///  5. Settlement, through the arch's `onPositionLiquidated` → the SAME vault callbacks as an ordinary close
///     (ST-8 parity): each maker's side as its fill is taken (isolated in try/catch: a maker whose close fails
///     loses its order and cannot block the liquidation), the liquidated side once, after the walk, for the
///     filled size at Σ quote net of the fees. Engine storage (block counters, cooldown, backstop inventory) is
///     written before that call.
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
        bytes32 posKey;
        uint256 startSize; // the position before the liquidation
        uint256 size; // the position net of the fills so far
        uint256 remaining; // base units still to fill
        uint256 notionalLeft; // oracle notional still countable against MaxNotionalLiquidated
        uint256 mark;
        uint256 unit;
        int256 tnc; // TNC (QRE equity18), moved by each fill as dYdX's is
        uint256 tmmr; // TMMR (QRE maintenanceMargin18), less each fill's ΔMMR
        uint256 insuranceUsed; // the account's insurance loss this block, fills so far included
        uint256 userQuote; // Σ quote the liquidated side closes at (net of the fees)
        MarginTable.Tier[] tiers;
    }

    /// @dev One fill's numbers (USDC units): quote at the fill price, oracle value of the size (DNNV), the
    /// insurance delta, the fee to the fund and the fund's cover.
    struct Fill {
        uint256 quote;
        uint256 value;
        uint256 dmmr;
        int256 delta;
        uint256 fee;
        uint256 lost;
    }

    /// @notice A maker's side of a fill was settled: `pnl` is the maker's realised PnL on the closed size.
    event MakerFilled(address indexed maker, uint256 orderId, uint256 size, uint256 quote, int256 pnl);
    /// @notice A maker's side of a fill could not be settled; its order was removed and the walk went on.
    event MakerSettlementFailed(address indexed maker, uint256 orderId, uint256 size);
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
    /// arches call back here from inside it) it is a no-op: `liquidate` re-syncs the liquidated user once its
    /// side is settled, so nothing is pushed from a half-settled state.
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

        Order memory o = Order({
            arch: IPerpEngine(arch),
            book: bookOf[arch][market],
            user: user,
            market: market,
            isLong: isLong,
            posKey: IPerpEngine(arch).positionKey(user, market, isLong),
            startSize: 0,
            size: 0,
            remaining: 0,
            notionalLeft: 0,
            mark: 0,
            unit: 0,
            tnc: qre.equity18(user),
            tmmr: qre.maintenanceMargin18(user),
            insuranceUsed: 0,
            userQuote: 0,
            tiers: new MarginTable.Tier[](0)
        });
        _size(o, r);
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
        _settleUser(o, r);
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
    /// block counters on its first liquidation of a block (the counters themselves are written by
    /// `_settleUser`, once, after the walk).
    function _size(Order memory o, Result memory r) internal {
        uint256 positionSize = o.arch.getPosition(o.posKey).size;
        if (positionSize == 0) revert NoPosition(o.posKey);
        bool fresh;
        (fresh, o.mark) = o.arch.markPrice(o.market);
        if (!fresh || o.mark == 0) revert StaleMarkPrice(o.market);
        o.unit = 10 ** o.arch.getMarketConfig(o.market).baseDecimals;
        o.tiers = o.arch.getMarginTiers(o.market);
        o.startSize = positionSize;
        o.size = positionSize;
        uint256 positionNotional = positionSize * o.mark / o.unit;

        AccountBlock storage ab = _accountBlocks[o.user];
        if (ab.blockNumber != block.number) {
            ab.blockNumber = block.number;
            ab.notionalLiquidated = 0;
            ab.insuranceLost = 0;
        }
        uint256 used = ab.notionalLiquidated;
        o.insuranceUsed = ab.insuranceLost;
        uint256 left = maxNotionalLiquidated > used ? maxNotionalLiquidated - used : 0;
        if (left == 0) revert BlockLimitReached(o.user);
        o.notionalLeft = LiquidationMath.liquidationNotional(
            positionNotional, minPositionNotionalLiquidated, maxPositionPortionLiquidatedPpm, left
        );
        r.requested =
            o.notionalLeft == positionNotional ? positionSize : positionSize * o.notionalLeft / positionNotional;
        // Dust: a partial below 1 ppm of the position cannot be released by the vault (fraction 0).
        if (_isDust(r.requested, positionSize)) revert NothingToLiquidate();
        o.remaining = r.requested;
        if (r.requested < positionSize) {
            uint256 last = lastPartialLiquidationAt[o.posKey];
            if (last != 0 && block.timestamp < last + partialLiquidationCooldown) {
                revert PartialLiquidationCooldown(o.posKey, last + partialLiquidationCooldown);
            }
        }
    }

    /// @dev A size the vault cannot release: zero, or a partial below 1 ppm of the position.
    function _isDust(uint256 qty, uint256 positionSize) internal pure returns (bool) {
        return qty == 0 || (qty < positionSize && qty * PPM < positionSize);
    }

    /// @dev Walks the book best-first while orders are at or inside the fillable price. Each candidate fill is
    /// priced (insurance delta from the account's running TNC / TMMR) and admitted or rejected by the
    /// insurance-loss limit; an admitted fill settles the MAKER's side at once (isolated: a maker whose close
    /// fails loses its order, the walk goes on). Bounded by MAX_VISITS orders and MAX_FILLS fills.
    function _matchBook(Order memory o, Result memory r) internal {
        r.stop = Stop.NO_LIQUIDITY;
        if (address(o.book) == address(0)) return;
        bool bids = o.isLong; // a long's liquidation sells into the bids
        for (uint256 visit; visit < MAX_VISITS && r.fills < MAX_FILLS && o.remaining > 0; ++visit) {
            (uint256 id, IPerpOrderBook.Order memory mk) = o.book.best(bids);
            if (id == 0) return;
            if (o.isLong ? mk.price < r.fillablePrice : mk.price > r.fillablePrice) return;
            uint256 makerPos = o.arch.getPosition(o.arch.positionKey(mk.maker, o.market, !o.isLong)).size;
            uint256 qty = o.remaining < mk.remaining ? o.remaining : mk.remaining;
            if (qty > makerPos) qty = makerPos;
            if (mk.maker == o.user || qty == 0) {
                // self-trade, or a reduce-only order with nothing left to reduce
                if (!_expire(o, id)) return;
                continue;
            }
            // a fill below 1 ppm of the account's position cannot be released: the rest goes to the backstop
            if (_isDust(qty, o.size) && _isDust(r.size + qty, o.startSize)) return;
            Fill memory f = _priceFill(o, qty, mk.price);
            if (!_admit(o, r, f)) return;
            try o.arch.onPositionLiquidated(mk.maker, o.market, !o.isLong, qty, f.quote) returns (int256 makerPnl) {
                emit MakerFilled(mk.maker, id, qty, f.quote, makerPnl);
            } catch {
                o.insuranceUsed -= f.lost; // not filled after all: undo the admission
                emit MakerSettlementFailed(mk.maker, id, qty);
                if (!_expire(o, id)) return;
                continue;
            }
            _record(o, r, f, qty);
            r.absorbed += qty;
            emit LiquidationFill(o.user, mk.maker, id, qty, mk.price, f.quote, f.delta, f.fee, f.lost);
            // the maker's side is settled: the fill stands even if the book cannot be updated (then the order goes)
            try o.book.fill(id, qty) {}
            catch {
                if (!_expire(o, id)) return;
            }
        }
    }

    /// @dev Removes a dead order so the walk can move past it; false if even that fails (stop the walk).
    function _expire(Order memory o, uint256 id) internal returns (bool) {
        try o.book.expire(id) {
            return true;
        } catch {
            return false;
        }
    }

    /// @dev The backstop takes the rest at the oracle price, under the same insurance rule.
    function _backstop(Order memory o, Result memory r) internal {
        uint256 qty = o.remaining;
        Fill memory f = _priceFill(o, qty, o.mark);
        if (!_admit(o, r, f)) return;
        _record(o, r, f, qty);
        r.backstopped = qty;
        emit LiquidationFill(o.user, address(0), 0, qty, o.mark, f.quote, f.delta, f.fee, f.lost);
    }

    /// @dev MaxQuantumsInsuranceLost per fill (LIQ-7): admits the fill and prices its fee, or rejects it — the
    /// walk stops there and the fills before it stand.
    function _admit(Order memory o, Result memory r, Fill memory f) internal returns (bool ok) {
        uint256 usedAfter;
        (ok, usedAfter) = LiquidationMath.admitFill(f.delta, o.insuranceUsed, maxQuantumsInsuranceLost);
        if (!ok) {
            r.stop = Stop.INSURANCE_LIMIT;
            uint256 room = maxQuantumsInsuranceLost > o.insuranceUsed ? maxQuantumsInsuranceLost - o.insuranceUsed : 0;
            emit LiquidationStopped(o.user, Stop.INSURANCE_LIMIT, o.remaining, f.delta, room);
            return false;
        }
        f.lost = usedAfter - o.insuranceUsed;
        o.insuranceUsed = usedAfter;
        f.fee = LiquidationMath.feeFromDelta(
            f.delta, LiquidationMath.liquidationFee(f.quote, liquidationFeePpm, maxLiquidationFeePpm)
        );
    }

    /// @dev Quote, oracle value (DNNV), released MM (DMMR) and the insurance delta of a fill, from the account's
    /// running TNC / TMMR. DNNV and DMMR are differences of the position before and after the fill, as dYdX
    /// computes them (the margin table is not linear).
    function _priceFill(Order memory o, uint256 qty, uint256 price) internal pure returns (Fill memory f) {
        // a long sells: receives ⌊qty·price⌋; a short buys: pays ⌈qty·price⌉ (rounding against the liquidated)
        uint256 raw = qty * price;
        f.quote = o.isLong ? raw / o.unit : (raw + o.unit - 1) / o.unit;
        uint256 before = o.size * o.mark / o.unit;
        uint256 afterValue = (o.size - qty) * o.mark / o.unit;
        f.value = before - afterValue;
        f.dmmr =
            MarginTable.maintenanceMargin(o.tiers, before) - MarginTable.maintenanceMargin(o.tiers, afterValue);
        f.delta = LiquidationMath.insuranceDelta(o.isLong, f.quote, f.value, o.tnc, f.dmmr, o.tmmr);
    }

    /// @dev Books an admitted fill into the order's running state (memory only; `_settleUser` writes storage).
    /// The account's TNC / TMMR move as dYdX's do: TMMR − ΔMMR, and TNC − share + (d − fee) for d > 0 or
    /// TNC − share (the fund's −d restores the bankruptcy line) for d ≤ 0.
    function _record(Order memory o, Result memory r, Fill memory f, uint256 qty) internal pure {
        uint256 counted = f.value < o.notionalLeft ? f.value : o.notionalLeft;
        o.notionalLeft -= counted;
        r.notional += counted;
        o.remaining -= qty;
        o.size -= qty;
        r.size += qty;
        r.fills += 1;
        r.quoteValue += f.quote;
        r.fee += f.fee;
        r.insuranceLost += f.lost;
        o.userQuote += o.isLong ? f.quote - f.fee : f.quote + f.fee;
        int256 share = LiquidationMath.bankruptcyShare(o.tnc, f.dmmr, o.tmmr);
        // forge-lint: disable-next-line(unsafe-typecast) -- TO_18 = 1e12 fits int256
        int256 kept = f.delta > 0 ? (f.delta - _int(f.fee)) * int256(TO_18) : int256(0);
        o.tnc = o.tnc - share * int256(TO_18) + kept;
        uint256 dmmr18 = f.dmmr * TO_18;
        o.tmmr = o.tmmr > dmmr18 ? o.tmmr - dmmr18 : 0;
    }

    /// @dev Effects, then the one interaction for the liquidated side: the block counters, cooldown and backstop
    /// inventory are written, then the account closes the filled size at Σ quote net of the fees (a long
    /// receives q − fee, a short pays q + fee) through the arch's release path — the same vault callbacks as
    /// any close, so whatever the fills leave (d < 0) goes down the vault's deficit waterfall.
    function _settleUser(Order memory o, Result memory r) internal {
        AccountBlock storage ab = _accountBlocks[o.user];
        ab.insuranceLost = o.insuranceUsed;
        ab.notionalLiquidated += r.notional;
        bool isPartial = r.size > 0 && r.size < o.startSize;
        if (isPartial) lastPartialLiquidationAt[o.posKey] = block.timestamp;
        else if (r.size == o.startSize) delete lastPartialLiquidationAt[o.posKey];
        if (r.backstopped > 0) {
            int256 q = _int(r.backstopped);
            backstopInventory[address(o.arch)][o.market] += o.isLong ? q : -q;
            emit BackstopLiquidation(address(o.arch), o.market, o.isLong, r.backstopped, o.mark);
        }
        if (o.remaining > 0) emit LiquidationStopped(o.user, r.stop, o.remaining, 0, 0);
        emit Liquidated(o.user, o.posKey, msg.sender, r.size, r.notional, r.quoteValue, r.fee, isPartial);
        if (r.size > 0) r.pnl = o.arch.onPositionLiquidated(o.user, o.market, o.isLong, r.size, o.userQuote);
        _syncRisk(o.user);
    }

    function _int(uint256 x) internal pure returns (int256) {
        if (x > LiquidationMath.MAX_INT) revert InvalidParameter();
        // forge-lint: disable-next-line(unsafe-typecast) -- bounded by the check above
        return int256(x);
    }
}

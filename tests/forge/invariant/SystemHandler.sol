// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "../utils/Vm.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {BalanceManager} from "../../../contracts/BalanceManager.sol";
import {PriceOracle} from "../../../contracts/PriceOracle.sol";
import {QuantumRiskEngine} from "../../../contracts/QuantumRiskEngine.sol";
import {OrderBook} from "../../../contracts/OrderBook.sol";
import {InsuranceFund} from "../../../contracts/InsuranceFund.sol";
import {BalanceManagerVault} from "../../../contracts/BalanceManagerVault.sol";
import {IBalanceManagerVault} from "../../../contracts/interfaces/IBalanceManagerVault.sol";
import {IQuantumRiskEngine} from "../../../contracts/interfaces/IQuantumRiskEngine.sol";
import {IInsuranceFund} from "../../../contracts/interfaces/IInsuranceFund.sol";
import {IOrderBook} from "../../../contracts/interfaces/IOrderBook.sol";
import {IPositionSideSource} from "../../../contracts/interfaces/IPositionSideSource.sol";
import {TestAdlEngine} from "../utils/TestAdlEngine.sol";

/// @notice The deployed system the handler drives (addresses only; the invariant suite owns the deployment).
struct System {
    MockERC20 usdc;
    MockERC20 wbtc;
    MockERC20 weth;
    BalanceManager bm;
    PriceOracle oracle;
    QuantumRiskEngine qre;
    OrderBook wbtcBook;
    OrderBook wethBook;
    InsuranceFund insurance;
    TestAdlEngine adl;
    BalanceManagerVault vault;
}

/// @title SystemHandler — the random actions of the invariant suites, over the real deployment.
/// @notice It is the settlement router the vault trusts (like PerpEngine / CLOBPerpetualRouter) and answers
/// `isLongPosition`. Every action bounds its inputs to meaningful values and returns quietly when the action
/// cannot apply (forge runs with fail_on_revert = false, so a revert is only a wasted call).
///
/// Event-level properties are checked as they happen, from the logs of the action that emitted them
/// (`vm.recordLogs` / `vm.getRecordedLogs`): each violation is counted and its first instance kept, and the
/// suite's `invariant_*` functions assert the counts are zero. State-level properties (DEBT-6, ALLOC-6,
/// QRE-4) are read by the suite directly after every call.
///
/// `journal` holds every applied action in token units, so a failing invariant prints the actions that led
/// to it in the units a reader checks (forge prints the same sequence as raw calldata).
///
/// Liquidations go through the vault-level path (a release at a loss → the deficit waterfall), behind
/// `_liquidate`, so a changed LiquidationEngine API is a one-function edit.
contract SystemHandler is IPositionSideSource {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    bytes32 internal constant DEFICIT_SETTLED =
        keccak256("DeficitSettled(address,uint256,uint256,uint256,uint256,uint256,uint256)");
    bytes32 internal constant COLLATERAL_SOLD = keccak256("CollateralSold(address,address,uint256,uint256,uint256)");
    bytes32 internal constant COLLATERAL_RELEASED = keccak256("CollateralReleased(address,bytes32,int256,uint256)");
    bytes32 internal constant LOSS_FORFEITED = keccak256("LossForfeited(address,bytes32,uint256)");
    bytes32 internal constant DEFICIT_COVERED = keccak256("DeficitCovered(address,uint256,uint256)");

    uint256 internal constant BPS = 10_000;
    uint256 internal constant PPM = 1_000_000;
    address internal constant MARKET = address(0xB7C0);
    address internal constant MAKER = address(0x3A4E5);

    System internal s;
    address[3] internal actors = [address(0xA11CE), address(0xB0B), address(0xCA401)];

    // ---------------------------------------------------------------- positions

    bytes32[] internal openKeys;
    mapping(bytes32 posKey => address) public ownerOf;
    mapping(bytes32 posKey => bool) public isLongPosition;
    uint256 internal nextPosition;

    // ---------------------------------------------------------------- ghost state of the event-level checks

    uint256 public calls;
    uint256 public deficitsSettled;
    uint256 public salesSeen;
    uint256 public releasesSeen;
    uint256 public debt1Violations;
    uint256 public debt3Violations;
    uint256 public rel1Violations;
    uint256 public conv1Violations;
    string public firstDebt1;
    string public firstDebt3;
    string public firstRel1;
    string public firstConv1;

    uint256 internal payoutBlock;
    uint256 internal paidThisBlock;

    string[] internal _journal;
    uint256 internal _setUpLines; // journal lines written by the suite's set-up, before the fuzzed sequence
    address internal immutable _deployer;

    constructor(System memory system) {
        s = system;
        _deployer = msg.sender;
    }

    /// @notice Set-up only (the suite, before fuzzing): each user opens one ISOLATED position of `amount`, so
    /// every user's vault lock bucket holds another position's USDC from the start (where a release that
    /// unlocks more than its own lock would otherwise be stopped by the custodian).
    function openInitialPositions(uint256 amount) external {
        require(msg.sender == _deployer, "set-up only");
        for (uint256 i; i < 3; ++i) {
            bytes32 key = keccak256(abi.encode(actors[i], ++nextPosition));
            s.vault.allocateForPosition(actors[i], key, MARKET, amount, IBalanceManagerVault.MarginMode.ISOLATED);
            openKeys.push(key);
            ownerOf[key] = actors[i];
            _note(string.concat(_name(actors[i]), " opens ISOLATED ", _posName(key), " by ", _usdc(amount)));
        }
        _setUpLines = _journal.length;
    }

    // ================================================================ views for the suite

    function actorCount() external pure returns (uint256) {
        return 3;
    }

    function actor(uint256 i) external view returns (address) {
        return actors[i];
    }

    function openPositionCount() external view returns (uint256) {
        return openKeys.length;
    }

    function openPosition(uint256 i) external view returns (bytes32) {
        return openKeys[i];
    }

    /// @notice The set-up's actions, then the fuzzed sequence's applied actions, numbered, in token units.
    function journal() external view returns (string memory out) {
        out = "set-up: ";
        for (uint256 i; i < _setUpLines; ++i) out = string.concat(out, i == 0 ? "" : ", ", _journal[i]);
        out = string.concat(out, "; sequence:");
        for (uint256 i = _setUpLines; i < _journal.length; ++i) {
            out = string.concat(out, " ", _u(i - _setUpLines + 1), ") ", _journal[i], ";");
        }
    }

    // ================================================================ custody: deposit / withdraw

    function deposit(uint256 actorSeed, uint256 tokenSeed, uint256 amount) external {
        (address user, string memory who) = _actor(actorSeed);
        (MockERC20 token, uint256 lo, uint256 hi) = _token(tokenSeed);
        amount = _scaled(amount, lo, hi);
        token.mint(user, amount);
        vm.startPrank(user);
        token.approve(address(s.bm), amount);
        s.bm.deposit(address(token), amount);
        vm.stopPrank();
        _note(string.concat(who, " deposits ", _amt(token, amount)));
    }

    function withdraw(uint256 actorSeed, uint256 tokenSeed, uint256 amount) external {
        (address user, string memory who) = _actor(actorSeed);
        (MockERC20 token,,) = _token(tokenSeed);
        uint256 free = s.bm.getBalance(user, address(token));
        if (free == 0) return;
        amount = _bound(amount, 1, free);
        vm.prank(user);
        s.bm.withdraw(address(token), amount);
        _note(string.concat(who, " withdraws ", _amt(token, amount)));
    }

    // ================================================================ positions: allocate / release

    /// @notice Opens a position or tops one up. CROSS may be partly or wholly backed by the basket's equity
    /// (Stage 7 virtual backing); ISOLATED is USDC-only.
    function allocate(uint256 actorSeed, uint256 amount, bool isolated, bool topUp, bool isLong) external {
        (address user, string memory who) = _actor(actorSeed);
        amount = _scaled(amount, 1e6, 20_000e6);
        bytes32 key;
        bool existing;
        if (topUp) (existing, key, isolated) = _findOpen(user, amount);
        IBalanceManagerVault.MarginMode mode =
            isolated ? IBalanceManagerVault.MarginMode.ISOLATED : IBalanceManagerVault.MarginMode.CROSS;
        if (!existing) key = keccak256(abi.encode(user, ++nextPosition));
        vm.recordLogs();
        s.vault.allocateForPosition(user, key, MARKET, amount, mode);
        _inspect(vm.getRecordedLogs());
        if (!existing) {
            openKeys.push(key);
            ownerOf[key] = user;
            isLongPosition[key] = isLong;
        }
        _note(
            string.concat(
                who,
                existing ? " tops up " : " opens ",
                isolated ? "ISOLATED " : "CROSS ",
                _posName(key),
                " by ",
                _usdc(amount),
                " (locks ",
                _usdc(s.vault.getPositionAllocation(key).usdcLocked),
                " in total)"
            )
        );
    }

    /// @notice Settles an open position, one of four ways (`kind % 4`): a full close at `pnl` in
    /// [−3, +1] × margin; a partial close of `fractionPpm` at a proportional pnl; a cancel without PnL; or a
    /// liquidation — a CROSS position closed at a loss of 1×..10× its margin, so the part beyond its lock
    /// runs the deficit waterfall (free USDC → collateral sales → insurance → ADL → shortfall).
    function close(uint256 posSeed, uint256 kind, uint256 fractionPpm, int256 pnl) external {
        if (openKeys.length == 0) return;
        uint256 idx = posSeed % openKeys.length;
        bytes32 key = openKeys[idx];
        IBalanceManagerVault.PositionAllocation memory a = s.vault.getPositionAllocation(key);
        kind %= 4;
        if (kind == 0) {
            _release(idx, key, _boundPnl(pnl, a.amount), "closes");
        } else if (kind == 1) {
            fractionPpm = _bound(fractionPpm, 1, PPM);
            _partialRelease(idx, key, fractionPpm, _boundPnl(pnl, a.amount * fractionPpm / PPM + 1));
        } else if (kind == 2) {
            _deallocate(idx, key);
        } else {
            _liquidate(idx, key, _bound(uint256(pnl < 0 ? -(pnl + 1) : pnl), BPS, 10 * BPS));
        }
    }

    function claimUnpaidProfit(uint256 actorSeed) external {
        (address user, string memory who) = _actor(actorSeed);
        if (s.vault.unpaidProfit(user) == 0) return;
        vm.recordLogs();
        vm.prank(user);
        uint256 paid = s.vault.claimUnpaidProfit();
        _inspect(vm.getRecordedLogs());
        _note(string.concat(who, " claims unpaid profit: ", _usdc(paid), " paid"));
    }

    // ================================================================ market: prices, books, time

    /// @notice Market moves (`kind % 2`): an oracle price moves by −20%..+20% (refreshing its timestamp), or
    /// time passes — up to 2 h, so prices older than the 1 h staleness bound go stale — and 0..3 blocks roll
    /// (a new block resets the insurance fund's per-block room).
    function market(uint256 kind, uint256 assetSeed, uint256 amount) external {
        if (kind % 2 == 0) {
            (bytes32 sym, string memory name) =
                assetSeed % 2 == 0 ? (bytes32("WBTC"), "WBTC") : (bytes32("WETH"), "WETH");
            (uint256 price, uint8 dec,) = s.oracle.getPrice(sym);
            price = price * _bound(amount, 8_000, 12_000) / BPS;
            if (price == 0) return;
            s.oracle.setPrice(sym, price, dec);
            _note(string.concat(name, " oracle moves to $", _units(price, dec)));
        } else {
            uint256 dt = _bound(amount, 1, 2 hours);
            uint256 db = assetSeed % 4;
            vm.warp(block.timestamp + dt);
            vm.roll(block.number + db);
            _note(string.concat(_u(dt), " s and ", _u(db), " block(s) pass"));
        }
    }

    /// @notice The maker rests a bid for collateral at 85%..101% of the oracle: some clear the liquidation
    /// floor, some do not.
    function bid(uint256 bookSeed, uint256 priceBps, uint256 qty) external {
        bool btc = bookSeed % 2 == 0;
        OrderBook book = btc ? s.wbtcBook : s.wethBook;
        MockERC20 base = btc ? s.wbtc : s.weth;
        (uint256 price, uint8 dec,) = s.oracle.getPrice(btc ? bytes32("WBTC") : bytes32("WETH"));
        priceBps = _bound(priceBps, 8_500, 10_100);
        uint256 quotePrice = price * priceBps / BPS * 1e6 / 10 ** dec; // USDC (6 dp) per whole base unit
        if (quotePrice == 0) return;
        qty = btc ? _bound(qty, 1e5, 1e8) : _bound(qty, 1e16, 20e18);
        uint256 quote = (qty * quotePrice + 10 ** base.decimals() - 1) / 10 ** base.decimals();
        s.usdc.mint(MAKER, quote);
        vm.startPrank(MAKER);
        s.usdc.approve(address(s.bm), quote);
        s.bm.deposit(address(s.usdc), quote);
        book.placeLimitOrder(IOrderBook.Side.BUY, quotePrice, qty);
        vm.stopPrank();
        _note(string.concat("maker bids ", _amt(base, qty), " at ", _units(quotePrice, 6), " USDC"));
    }

    // ================================================================ backstops: insurance, ADL

    /// @notice Backstops (`kind % 2`): the insurance fund receives 1..50,000 USDC, or ADL's socialization
    /// capacity is set to 0..50,000 USDC.
    function backstop(uint256 kind, uint256 amount) external {
        if (kind % 2 == 0) {
            amount = _scaled(amount, 1e6, 50_000e6);
            s.usdc.mint(address(this), amount);
            s.usdc.approve(address(s.bm), amount);
            s.bm.depositFor(address(s.insurance), address(s.usdc), amount);
            _note(string.concat("insurance is funded with ", _usdc(amount)));
        } else {
            amount = _bound(amount, 0, 50_000e6);
            s.adl.setCapacity(amount);
            _note(string.concat("ADL capacity set to ", _usdc(amount)));
        }
    }

    // ================================================================ internal: actions

    function _release(uint256 idx, bytes32 key, int256 pnl, string memory verb) internal {
        address user = ownerOf[key];
        uint256 effective = s.vault.effectiveLocked(key);
        uint256 lockedBefore = _lockedUsdc(user);
        vm.recordLogs();
        s.vault.releaseFromPosition(user, key, pnl);
        _inspect(vm.getRecordedLogs());
        _checkRel1(key, effective, lockedBefore, _lockedUsdc(user));
        _drop(idx);
        _note(string.concat(_name(user), " ", verb, " ", _posName(key), " at ", _signedUsdc(pnl)));
    }

    function _partialRelease(uint256 idx, bytes32 key, uint256 fractionPpm, int256 pnl) internal {
        address user = ownerOf[key];
        uint256 effective = s.vault.effectiveLocked(key);
        uint256 lockedBefore = _lockedUsdc(user);
        vm.recordLogs();
        s.vault.partialReleaseFromPosition(user, key, fractionPpm, pnl);
        _inspect(vm.getRecordedLogs());
        _checkRel1(key, effective, lockedBefore, _lockedUsdc(user));
        if (!s.vault.getPositionAllocation(key).exists) _drop(idx);
        _note(
            string.concat(
                _name(user), " closes ", _ppm(fractionPpm), " of ", _posName(key), " at ", _signedUsdc(pnl)
            )
        );
    }

    function _deallocate(uint256 idx, bytes32 key) internal {
        address user = ownerOf[key];
        uint256 effective = s.vault.effectiveLocked(key);
        uint256 lockedBefore = _lockedUsdc(user);
        s.vault.deallocateFromPosition(user, key);
        _checkRel1(key, effective, lockedBefore, _lockedUsdc(user));
        _drop(idx);
        _note(string.concat(_name(user), " cancels ", _posName(key)));
    }

    /// @dev The one place that knows how a liquidation is triggered (vault-level path today).
    function _liquidate(uint256 idx, bytes32 key, uint256 lossBps) internal {
        IBalanceManagerVault.PositionAllocation memory a = s.vault.getPositionAllocation(key);
        if (a.mode != uint8(IBalanceManagerVault.MarginMode.CROSS)) return;
        int256 pnl = -int256(uint256(a.amount) * lossBps / BPS);
        _release(idx, key, pnl, "is liquidated on");
    }

    // ================================================================ internal: the event-level checks

    /// @dev One action's logs: DEBT-1 (each waterfall sums to its deficit, and its legs are what moved),
    /// CONV-1 (each sale clears the oracle × liqFactor floor), DEBT-3 (insurance pays ≤ its per-block cap).
    function _inspect(Vm.Log[] memory logs) internal {
        calls += 1;
        uint256 loss;
        uint256 forfeited;
        uint256 soldToInsurance;
        uint256 insurancePaid;
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory l = logs[i];
            bytes32 sig = l.topics.length > 0 ? l.topics[0] : bytes32(0);
            if (l.emitter == address(s.vault) && sig == COLLATERAL_RELEASED) {
                (int256 pnl,) = abi.decode(l.data, (int256, uint256));
                if (pnl < 0) loss = uint256(-pnl);
                releasesSeen += 1;
            } else if (l.emitter == address(s.vault) && sig == LOSS_FORFEITED) {
                forfeited += abi.decode(l.data, (uint256));
            } else if (l.emitter == address(s.vault) && sig == COLLATERAL_SOLD) {
                soldToInsurance += _checkSale(l);
            } else if (l.emitter == address(s.insurance) && sig == DEFICIT_COVERED) {
                insurancePaid += _checkPayout(l);
            } else if (l.emitter == address(s.vault) && sig == DEFICIT_SETTLED) {
                _checkWaterfall(l, loss - forfeited, soldToInsurance, insurancePaid);
            }
        }
    }

    function _checkWaterfall(Vm.Log memory l, uint256 expectedDeficit, uint256 soldToInsurance, uint256 insurancePaid)
        internal
    {
        deficitsSettled += 1;
        (uint256 deficit, uint256 fromFree, uint256 fromCollateral, uint256 fromInsurance, uint256 socialized, uint256 shortfall)
        = abi.decode(l.data, (uint256, uint256, uint256, uint256, uint256, uint256));
        uint256 accounted = fromFree + fromCollateral + fromInsurance + socialized + shortfall;
        string memory why;
        if (accounted != deficit) why = string.concat("legs sum to ", _usdc(accounted));
        else if (deficit != expectedDeficit) why = string.concat("loss beyond the lock was ", _usdc(expectedDeficit));
        else if (fromCollateral != soldToInsurance) why = string.concat("sales paid ", _usdc(soldToInsurance));
        else if (fromInsurance != insurancePaid) why = string.concat("insurance paid ", _usdc(insurancePaid));
        if (bytes(why).length == 0) return;
        debt1Violations += 1;
        if (bytes(firstDebt1).length == 0) {
            firstDebt1 = string.concat(
                "deficit ",
                _usdc(deficit),
                " = free ",
                _usdc(fromFree),
                " + collateral ",
                _usdc(fromCollateral),
                " + insurance ",
                _usdc(fromInsurance),
                " + socialized ",
                _usdc(socialized),
                " + shortfall ",
                _usdc(shortfall),
                " fails: ",
                why
            );
        }
    }

    /// @return toInsurance what the sale paid into the waterfall.
    function _checkSale(Vm.Log memory l) internal returns (uint256 toInsurance) {
        salesSeen += 1;
        address token = address(uint160(uint256(l.topics[2])));
        uint256 qty;
        uint256 received;
        (qty, received, toInsurance) = abi.decode(l.data, (uint256, uint256, uint256));
        IQuantumRiskEngine.CollateralConfig memory cfg = s.qre.getCollateralConfig(token);
        (uint256 price, uint8 priceDecimals,) = s.oracle.getPrice(cfg.priceSymbol);
        // The floor the vault must honour: the stricter of the asset's liqFactor and the vault's slippage bound.
        uint256 factor = cfg.liqFactorBps;
        uint256 fromSlippage = BPS - s.vault.maxCollateralSellSlippageBps();
        if (fromSlippage > factor) factor = fromSlippage;
        if (factor > BPS) factor = BPS;
        // received / 10^6 ≥ qty / 10^dec × price / 10^pd × factor / 10^4, exactly (no rounding on either side).
        uint256 lhs = received * BPS * 10 ** priceDecimals * 10 ** cfg.decimals;
        uint256 rhs = qty * price * factor * 1e6;
        if (lhs >= rhs) return toInsurance;
        conv1Violations += 1;
        if (bytes(firstConv1).length == 0) {
            firstConv1 = string.concat(
                "sold ",
                _amt(MockERC20(token), qty),
                " for ",
                _usdc(received),
                " below the floor ",
                _units(rhs / (BPS * 10 ** priceDecimals * 10 ** cfg.decimals), 6),
                " USDC (oracle $",
                _units(price, priceDecimals),
                " x ",
                _u(factor),
                " bps)"
            );
        }
    }

    /// @return paid what the fund paid on this call.
    function _checkPayout(Vm.Log memory l) internal returns (uint256 paid) {
        uint256 requested;
        (requested, paid) = abi.decode(l.data, (uint256, uint256));
        if (payoutBlock != block.number) {
            payoutBlock = block.number;
            paidThisBlock = 0;
        }
        paidThisBlock += paid;
        uint256 cap = s.insurance.maxQuantumsInsuranceLost();
        if (paid <= requested && paidThisBlock <= cap) return paid;
        debt3Violations += 1;
        if (bytes(firstDebt3).length == 0) {
            firstDebt3 = string.concat(
                "block ",
                _u(block.number),
                ": insurance paid ",
                _usdc(paidThisBlock),
                " (this payout ",
                _usdc(paid),
                " of ",
                _usdc(requested),
                " asked) over its per-block cap ",
                _usdc(cap)
            );
        }
    }

    /// @dev REL-1: what left the user's vault lock (unlocked or forfeited) ≤ the position's effective lock.
    function _checkRel1(bytes32 key, uint256 effective, uint256 lockedBefore, uint256 lockedAfter) internal {
        uint256 released = lockedBefore > lockedAfter ? lockedBefore - lockedAfter : 0;
        if (released <= effective) return;
        rel1Violations += 1;
        if (bytes(firstRel1).length == 0) {
            firstRel1 = string.concat(
                _posName(key), " released ", _usdc(released), " of a lock of ", _usdc(effective)
            );
        }
    }

    // ================================================================ internal: helpers

    /// @dev An open position of `user` that can take `amount` more (any mode: a top-up keeps the mode).
    function _findOpen(address user, uint256 amount) internal view returns (bool, bytes32, bool isolated) {
        for (uint256 i; i < openKeys.length; ++i) {
            bytes32 key = openKeys[i];
            if (ownerOf[key] != user) continue;
            IBalanceManagerVault.PositionAllocation memory a = s.vault.getPositionAllocation(key);
            if (uint256(a.amount) + amount <= type(uint96).max) {
                return (true, key, a.mode == uint8(IBalanceManagerVault.MarginMode.ISOLATED));
            }
        }
        return (false, bytes32(0), false);
    }

    function _drop(uint256 idx) internal {
        openKeys[idx] = openKeys[openKeys.length - 1];
        openKeys.pop();
    }

    function _lockedUsdc(address user) internal view returns (uint256) {
        return s.bm.getLockedBalance(user, address(s.usdc), address(s.vault));
    }

    /// @dev pnl in [−3 × margin, +margin].
    function _boundPnl(int256 pnl, uint256 margin) internal pure returns (int256) {
        uint256 span = 4 * margin + 1;
        uint256 r = uint256(pnl < 0 ? -(pnl + 1) : pnl) % span;
        return int256(r) - int256(3 * margin);
    }

    function _actor(uint256 seed) internal view returns (address user, string memory name) {
        user = actors[seed % 3];
        name = _name(user);
    }

    function _name(address user) internal view returns (string memory) {
        if (user == actors[0]) return "alice";
        if (user == actors[1]) return "bob";
        return "carol";
    }

    function _posName(bytes32 key) internal pure returns (string memory) {
        return string.concat("position #", _u(uint256(key) % 10_000));
    }

    function _token(uint256 seed) internal view returns (MockERC20 token, uint256 lo, uint256 hi) {
        uint256 k = seed % 3;
        if (k == 0) return (s.usdc, 1e6, 50_000e6);
        if (k == 1) return (s.wbtc, 1e4, 2e8);
        return (s.weth, 1e15, 60e18);
    }

    function _note(string memory line) internal {
        _journal.push(line);
    }

    /// @dev Log-uniform-ish in [lo, hi]: the order of magnitude first (lo × 10^k), then a value below it, so
    /// small and large amounts are both common (a uniform draw would almost always be near `hi`).
    function _scaled(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        uint256 cap = lo * 10 ** (x % 6);
        return _bound(x / 6, lo, cap < hi ? cap : hi);
    }

    function _bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        if (x >= lo && x <= hi) return x;
        return lo + x % (hi - lo + 1);
    }

    // ---------------------------------------------------------------- token-unit formatting

    function _usdc(uint256 raw) internal pure returns (string memory) {
        return string.concat(_units(raw, 6), " USDC");
    }

    function _signedUsdc(int256 raw) internal pure returns (string memory) {
        return raw < 0 ? string.concat("-", _usdc(uint256(-raw))) : string.concat("+", _usdc(uint256(raw)));
    }

    function _amt(MockERC20 token, uint256 raw) internal view returns (string memory) {
        return string.concat(_units(raw, token.decimals()), " ", token.symbol());
    }

    function _ppm(uint256 ppm) internal pure returns (string memory) {
        return string.concat(_units(ppm, 4), "%");
    }

    /// @dev `raw / 10^decimals` with thousands separators and no trailing zeros: 1234500000, 6 → "1,234.5".
    function _units(uint256 raw, uint256 decimals) internal pure returns (string memory out) {
        uint256 unit = 10 ** decimals;
        uint256 whole = raw / unit;
        uint256 frac = raw % unit;
        out = _grouped(whole);
        if (frac == 0) return out;
        bytes memory digits = bytes(_u(frac + unit)); // leading "1" keeps the zeros after the point
        uint256 end = digits.length;
        while (end > 1 && digits[end - 1] == "0") --end;
        bytes memory f = new bytes(end - 1);
        for (uint256 i = 1; i < end; ++i) f[i - 1] = digits[i];
        out = string.concat(out, ".", string(f));
    }

    function _grouped(uint256 x) internal pure returns (string memory) {
        if (x < 1000) return _u(x);
        string memory rest = _u(x % 1000 + 1000); // 3 digits after a leading "1"
        bytes memory r = bytes(rest);
        return string.concat(_grouped(x / 1000), ",", string(abi.encodePacked(r[1], r[2], r[3])));
    }

    function _u(uint256 x) internal pure returns (string memory) {
        if (x == 0) return "0";
        uint256 len;
        for (uint256 y = x; y > 0; y /= 10) ++len;
        bytes memory b = new bytes(len);
        for (; x > 0; x /= 10) b[--len] = bytes1(uint8(48 + x % 10));
        return string(b);
    }
}

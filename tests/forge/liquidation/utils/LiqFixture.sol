// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofDeploy} from "../../utils/Deploy.sol";
import {AdlEngine} from "../../../../contracts/AdlEngine.sol";
import {PerpEngine} from "../../../../contracts/PerpEngine.sol";
import {CLOBPerpetualRouter} from "../../../../contracts/CLOBPerpetualRouter.sol";
import {PerpArchBase} from "../../../../contracts/PerpArchBase.sol";
import {LiquidationEngine} from "../../../../contracts/LiquidationEngine.sol";
import {PerpOrderBook} from "../../../../contracts/PerpOrderBook.sol";
import {ILiquidationEngine} from "../../../../contracts/interfaces/ILiquidationEngine.sol";
import {IPerpEngine} from "../../../../contracts/interfaces/IPerpEngine.sol";
import {IBalanceManagerVault} from "../../../../contracts/interfaces/IBalanceManagerVault.sol";
import {IBalanceManager} from "../../../../contracts/interfaces/IBalanceManager.sol";
import {IPriceOracle} from "../../../../contracts/interfaces/IPriceOracle.sol";
import {IQuantumRiskEngine} from "../../../../contracts/interfaces/IQuantumRiskEngine.sol";
import {IInsuranceFund} from "../../../../contracts/interfaces/IInsuranceFund.sol";
import {IAdlRegistry} from "../../../../contracts/interfaces/IAdlRegistry.sol";
import {IRiskSync} from "../../../../contracts/interfaces/IRiskReporting.sol";
import {MarginTable} from "../../../../contracts/libraries/MarginTable.sol";
import {TierRows} from "./TierRows.sol";

/// @notice Full liquidation stack on the shared deployment (`VaultproofDeploy`: real BalanceManager,
/// PriceOracle, QuantumRiskEngine, InsuranceFund, BalanceManagerVault behind its proxy, PoolManager and
/// books), plus the real AdlEngine (also wired as the vault's ADL), both arches and the LiquidationEngine.
/// Units: USDC 6 dp, BTC perp size 8 dp (1 BTC = 1e8), prices USDC units per whole BTC, oracle 8 dp. The
/// perp mark uses its own symbol "BTC" so the WBTC collateral price of the shared fixture is untouched.
/// Each arch has its own PerpOrderBook for MARKET, registered with the LiquidationEngine (its matcher).
abstract contract LiqFixture is VaultproofDeploy {
    bytes32 internal constant BTC = "BTC";
    uint256 internal constant ONE_BTC = 1e8;
    uint256 internal constant USD = 1e6;

    address internal carl = address(0xCA71);
    address internal dave = address(0xDA7E);
    address internal keeper = address(0x4EE9);

    AdlEngine internal adlEngine;
    PerpEngine internal perp;
    CLOBPerpetualRouter internal router;
    LiquidationEngine internal le;
    PerpOrderBook internal perpBook;
    PerpOrderBook internal routerBook;

    function _afterDeploy() internal virtual override {
        oracle.setPrice(BTC, 50_000e8, 8);
        adlEngine = new AdlEngine(address(this), IPriceOracle(address(oracle)));
        perp = new PerpEngine(address(this), IBalanceManagerVault(address(vault)), IPriceOracle(address(oracle)));
        router =
            new CLOBPerpetualRouter(address(this), IBalanceManagerVault(address(vault)), IPriceOracle(address(oracle)));
        le = new LiquidationEngine(
            address(this),
            IBalanceManager(address(bm)),
            address(usdc),
            IQuantumRiskEngine(address(qre)),
            IInsuranceFund(address(insurance))
        );
        bm.setOperator(address(le), true);
        vault.setSettlementRouter(address(perp), true);
        vault.setSettlementRouter(address(router), true);
        vault.setAdlEngine(address(adlEngine));
        qre.setReporter(address(le), true);
        insurance.setAuthorized(address(le), true);
        insurance.setAuthorized(address(this), true);
        adlEngine.setMarket(MARKET, BTC, 8);
        adlEngine.setSocializer(address(le), true);
        adlEngine.setSocializer(address(vault), true);
        _wireArch(perp);
        _wireArch(router);
        perpBook = new PerpOrderBook(address(perp), MARKET, address(le));
        routerBook = new PerpOrderBook(address(router), MARKET, address(le));
        le.setBook(address(perp), MARKET, perpBook);
        le.setBook(address(router), MARKET, routerBook);
    }

    function _book(PerpArchBase arch) internal view returns (PerpOrderBook) {
        return address(arch) == address(perp) ? perpBook : routerBook;
    }

    /// @dev `maker` rests a reduce-only order: a bid buys back its short, an ask sells its long.
    function _rest(PerpArchBase arch, address maker, bool isBid, uint256 price, uint256 size)
        internal
        returns (uint256 id)
    {
        vm.prank(maker);
        id = _book(arch).placeOrder(isBid, price, size);
    }

    function _wireArch(PerpArchBase arch) internal {
        arch.setMarket(MARKET, BTC, 8, true);
        arch.setMarginTiers(MARKET, _tiers());
        arch.setLiquidationEngine(address(le));
        arch.setAdlEngine(IAdlRegistry(address(adlEngine)));
        arch.setRiskSync(IRiskSync(address(le)));
        adlEngine.setReporter(address(arch), true);
        le.addArch(address(arch));
    }

    /// @dev 50x (MM 1%) up to $1M, 20x to $5M, 10x to $20M, 5x above; deductions computed by the arch.
    function _tiers() internal pure returns (MarginTable.Tier[] memory t) {
        t = new MarginTable.Tier[](4);
        TierRows.fillFirstFour(t);
    }

    function _setPrice(uint256 usdPerBtc) internal {
        oracle.setPrice(BTC, usdPerBtc * 1e8, 8);
    }

    function _fund(address user, uint256 amount) internal {
        _deposit(user, address(usdc), amount);
    }

    function _open(PerpArchBase arch, address user, bool isLong, uint256 size, uint256 leverage)
        internal
        returns (bytes32 key)
    {
        (, uint256 mark) = arch.markPrice(MARKET);
        vm.prank(user);
        key = arch.openPosition(MARKET, isLong, size, mark, leverage, IBalanceManagerVault.MarginMode.CROSS);
    }

    /// @dev The seed's starting book: at `entry`, `first` (long if `firstLong`) and `second` on the other side
    /// are funded (in that order) and open 1 BTC each at their leverage; then the oracle moves to `mark`.
    function _openBook(
        PerpArchBase arch,
        uint256 entry,
        address first,
        uint256 firstFunds,
        bool firstLong,
        uint256 firstLeverage,
        address second,
        uint256 secondFunds,
        uint256 secondLeverage,
        uint256 mark
    ) internal {
        _setPrice(entry);
        _fund(first, firstFunds);
        _fund(second, secondFunds);
        _open(arch, first, firstLong, ONE_BTC, firstLeverage);
        _open(arch, second, !firstLong, ONE_BTC, secondLeverage);
        _setPrice(mark);
    }

    /// @dev The seed's "Dave sells 1 BTC at 50,000": when `fillPrice` is non-zero and `by` holds an opposite
    /// position, `by` rests a reduce-only order for all of it at `fillPrice` on the arch's book, `by` then
    /// sends the liquidation, and whatever of the order is left is cancelled (no order outlives the call).
    /// With `fillPrice` 0, or nothing opposite, the book is left as it is.
    function _liquidate(PerpArchBase arch, address by, address user, bool isLong, uint256 fillPrice)
        internal
        returns (ILiquidationEngine.Result memory r)
    {
        uint256 id;
        if (fillPrice != 0) {
            uint256 cp = _pos(arch, by, !isLong).size;
            if (cp > 0) id = _rest(arch, by, isLong, fillPrice, cp);
        }
        vm.prank(by);
        r = le.liquidate(address(arch), user, MARKET, isLong);
        if (id != 0 && _book(arch).getOrder(id).remaining > 0) {
            vm.prank(by);
            _book(arch).cancelOrder(id);
        }
    }

    function _free(address user) internal view returns (uint256) {
        return bm.getBalance(user, address(usdc));
    }

    function _locked(address user) internal view returns (uint256) {
        return bm.getLockedBalance(user, address(usdc), address(vault));
    }

    function _pos(PerpArchBase arch, address user, bool isLong) internal view returns (IPerpEngine.Position memory) {
        return arch.getPosition(arch.positionKey(user, MARKET, isLong));
    }

    /// @dev dYdX-style quote balance (the seed's "USD" column): USDC held (free + locked margin) plus, for a
    /// short, the entry proceeds, or minus, for a long, the entry cost of the open size.
    function _quoteBalance(PerpArchBase arch, address user) internal view returns (int256 q) {
        q = int256(_free(user) + _locked(user));
        IPerpEngine.Position memory l = _pos(arch, user, true);
        IPerpEngine.Position memory s = _pos(arch, user, false);
        q -= int256(uint256(l.entryPrice) * l.size / ONE_BTC);
        q += int256(uint256(s.entryPrice) * s.size / ONE_BTC);
    }
}

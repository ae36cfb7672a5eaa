// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofTest} from "../../utils/Vm.sol";
import {LiqMockERC20, MockBMV} from "./LiqMocks.sol";
import {BalanceManager} from "../../../../contracts/BalanceManager.sol";
import {PriceOracle} from "../../../../contracts/PriceOracle.sol";
import {QuantumRiskEngine} from "../../../../contracts/QuantumRiskEngine.sol";
import {InsuranceFund} from "../../../../contracts/InsuranceFund.sol";
import {AdlEngine} from "../../../../contracts/AdlEngine.sol";
import {PerpEngine} from "../../../../contracts/PerpEngine.sol";
import {CLOBPerpetualRouter} from "../../../../contracts/CLOBPerpetualRouter.sol";
import {PerpArchBase} from "../../../../contracts/PerpArchBase.sol";
import {LiquidationEngine} from "../../../../contracts/LiquidationEngine.sol";
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

/// @notice Full liquidation stack: real BalanceManager, PriceOracle, QuantumRiskEngine, InsuranceFund,
/// AdlEngine, both arches and the LiquidationEngine; the vault is `MockBMV` until the real one lands.
/// Units: USDC 6 dp, BTC size 8 dp (1 BTC = 1e8), prices USDC units per whole BTC, oracle 8 dp.
abstract contract LiqFixture is VaultproofTest {
    bytes32 internal constant BTC = "BTC";
    address internal constant MARKET = address(0xB7C);
    uint256 internal constant ONE_BTC = 1e8;
    uint256 internal constant USD = 1e6;
    uint256 internal constant INSURANCE_SEED = 1_000_000 * USD;

    address internal carl = address(0xCA71);
    address internal dave = address(0xDA7E);
    address internal keeper = address(0x4EE9);

    LiqMockERC20 internal usdc;
    BalanceManager internal bm;
    PriceOracle internal oracle;
    QuantumRiskEngine internal qre;
    MockBMV internal bmv;
    InsuranceFund internal insurance;
    AdlEngine internal adl;
    PerpEngine internal perp;
    CLOBPerpetualRouter internal router;
    LiquidationEngine internal le;

    function setUp() public virtual {
        vm.warp(1_000_000);
        vm.roll(100);
        usdc = new LiqMockERC20("USDC", 6);
        bm = new BalanceManager(address(this));
        oracle = new PriceOracle(address(this), 3600);
        oracle.setPrice(BTC, 50_000e8, 8);
        qre = new QuantumRiskEngine(address(this), address(bm), address(oracle), address(usdc), 6);
        bmv = new MockBMV(IBalanceManager(address(bm)), address(usdc));
        insurance = new InsuranceFund(address(this), IBalanceManager(address(bm)), address(usdc), type(uint256).max);
        adl = new AdlEngine(address(this), IPriceOracle(address(oracle)));
        perp = new PerpEngine(address(this), IBalanceManagerVault(address(bmv)), IPriceOracle(address(oracle)));
        router =
            new CLOBPerpetualRouter(address(this), IBalanceManagerVault(address(bmv)), IPriceOracle(address(oracle)));
        le = new LiquidationEngine(
            address(this),
            IBalanceManager(address(bm)),
            address(usdc),
            IQuantumRiskEngine(address(qre)),
            IInsuranceFund(address(insurance))
        );

        bm.setOperator(address(bmv), true);
        bm.setOperator(address(insurance), true);
        bm.setOperator(address(le), true);
        bmv.setInsurance(address(insurance));
        bmv.setRouter(address(perp), true);
        bmv.setRouter(address(router), true);
        qre.setReporter(address(le), true);
        qre.setMarginVault(address(bmv));
        insurance.setAuthorized(address(le), true);
        insurance.setAuthorized(address(bmv), true);
        insurance.setAuthorized(address(this), true);
        adl.setMarket(MARKET, BTC, 8);
        adl.setSocializer(address(le), true);
        adl.setSocializer(address(bmv), true);
        _wireArch(perp);
        _wireArch(router);

        _fundInsurance(INSURANCE_SEED);
    }

    function _wireArch(PerpArchBase arch) internal {
        arch.setMarket(MARKET, BTC, 8, true);
        arch.setMarginTiers(MARKET, _tiers());
        arch.setLiquidationEngine(address(le));
        arch.setAdlEngine(IAdlRegistry(address(adl)));
        arch.setRiskSync(IRiskSync(address(le)));
        adl.setReporter(address(arch), true);
        le.addArch(address(arch));
    }

    /// @dev 50x (MM 1%) up to $1M, 20x to $5M, 10x to $20M, 5x above; deductions computed by the arch.
    function _tiers() internal pure returns (MarginTable.Tier[] memory t) {
        t = new MarginTable.Tier[](4);
        t[0] = MarginTable.Tier(0, 50, 0);
        t[1] = MarginTable.Tier(1_000_000 * USD, 20, 0);
        t[2] = MarginTable.Tier(5_000_000 * USD, 10, 0);
        t[3] = MarginTable.Tier(20_000_000 * USD, 5, 0);
    }

    function _setPrice(uint256 usdPerBtc) internal {
        oracle.setPrice(BTC, usdPerBtc * 1e8, 8);
    }

    function _fund(address user, uint256 amount) internal {
        usdc.mint(user, amount);
        vm.prank(user);
        usdc.approve(address(bm), amount);
        vm.prank(user);
        bm.deposit(address(usdc), amount);
    }

    function _fundInsurance(uint256 amount) internal {
        usdc.mint(address(this), amount);
        usdc.approve(address(bm), amount);
        bm.depositFor(address(insurance), address(usdc), amount);
        insurance.depositFunding(amount);
    }

    function _open(PerpArchBase arch, address user, bool isLong, uint256 size, uint256 leverage)
        internal
        returns (bytes32 key)
    {
        (, uint256 mark) = arch.markPrice(MARKET);
        vm.prank(user);
        key = arch.openPosition(MARKET, isLong, size, mark, leverage, IBalanceManagerVault.MarginMode.CROSS);
    }

    function _liquidate(PerpArchBase arch, address by, address user, bool isLong, uint256 fillPrice)
        internal
        returns (ILiquidationEngine.Result memory r)
    {
        vm.prank(by);
        r = le.liquidate(address(arch), user, MARKET, isLong, fillPrice);
    }

    function _free(address user) internal view returns (uint256) {
        return bm.getBalance(user, address(usdc));
    }

    function _locked(address user) internal view returns (uint256) {
        return bm.getLockedBalance(user, address(usdc), address(bmv));
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

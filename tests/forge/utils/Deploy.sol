// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofTest} from "./Vm.sol";
import {TestAdlEngine} from "./TestAdlEngine.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {BalanceManager} from "../../../contracts/BalanceManager.sol";
import {PriceOracle} from "../../../contracts/PriceOracle.sol";
import {QuantumRiskEngine} from "../../../contracts/QuantumRiskEngine.sol";
import {PoolManager} from "../../../contracts/PoolManager.sol";
import {OrderBook} from "../../../contracts/OrderBook.sol";
import {InsuranceFund} from "../../../contracts/InsuranceFund.sol";
import {BalanceManagerVault} from "../../../contracts/BalanceManagerVault.sol";
import {IBalanceManagerVault} from "../../../contracts/interfaces/IBalanceManagerVault.sol";
import {IBalanceManager} from "../../../contracts/interfaces/IBalanceManager.sol";
import {IQuantumRiskEngine} from "../../../contracts/interfaces/IQuantumRiskEngine.sol";
import {IOrderBook} from "../../../contracts/interfaces/IOrderBook.sol";
import {IPositionSideSource} from "../../../contracts/interfaces/IPositionSideSource.sol";

/// @notice Shared deployment of the whole margin system for the forge suites.
/// @dev The test contract is the owner of everything and is registered as a vault settlement router, so a
/// suite can drive the vault callbacks directly (`vault.allocateForPosition(...)`) the way PerpEngine and
/// CLOBPerpetualRouter do; it also answers `isLongPosition` (side = `positionIsLong`).
/// To extend: override `_afterDeploy()` (runs at the end of `setUp`), or call the helpers below.
///
/// Numbers: USDC 6 dp, WBTC 8, WETH 18, MON 18; oracle prices 8 dp (WBTC $85,000, WETH $3,000, MON $0.50).
/// Insurance holds $100,000 with a $1,000,000 per-block cap; the vault may sell 10% below the oracle, so each
/// asset's own liqFactor (WBTC 95%, WETH 90%, MON 80% → capped at 90%) sets the floor.
abstract contract VaultproofDeploy is VaultproofTest, IPositionSideSource {
    bytes32 internal constant SYM_WBTC = "WBTC";
    bytes32 internal constant SYM_WETH = "WETH";
    bytes32 internal constant SYM_MON = "MON";
    uint256 internal constant WBTC_PRICE = 85_000e8;
    uint256 internal constant WETH_PRICE = 3_000e8;
    uint256 internal constant MON_PRICE = 0.5e8;
    uint256 internal constant MAX_STALENESS = 1 hours;
    uint256 internal constant INSURANCE_SEED = 100_000e6;
    uint256 internal constant INSURANCE_BLOCK_CAP = 1_000_000e6;

    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant MAKER = address(0x3A4E5);
    address internal constant MARKET = address(0xB7C0);

    MockERC20 internal usdc;
    MockERC20 internal wbtc;
    MockERC20 internal weth;
    MockERC20 internal mon;

    BalanceManager internal bm;
    PriceOracle internal oracle;
    QuantumRiskEngine internal qre;
    PoolManager internal pm;
    OrderBook internal wbtcBook;
    OrderBook internal wethBook;
    InsuranceFund internal insurance;
    TestAdlEngine internal adl;
    BalanceManagerVault internal vaultImpl;
    BalanceManagerVault internal vault;

    /// @notice Side this test contract reports for any position (IPositionSideSource).
    bool public positionIsLong = true;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        vm.roll(100);
        usdc = new MockERC20("USD Coin", "USDC", 6);
        wbtc = new MockERC20("Wrapped BTC", "WBTC", 8);
        weth = new MockERC20("Wrapped Ether", "WETH", 18);
        mon = new MockERC20("Monad", "MON", 18);

        bm = new BalanceManager(address(this));
        oracle = new PriceOracle(address(this), MAX_STALENESS);
        oracle.setPrice(SYM_WBTC, WBTC_PRICE, 8);
        oracle.setPrice(SYM_WETH, WETH_PRICE, 8);
        oracle.setPrice(SYM_MON, MON_PRICE, 8);

        qre = new QuantumRiskEngine(address(this), address(bm), address(oracle), address(usdc), 6);
        qre.setCollateral(address(wbtc), _cfg(8, 9_000, 9_500, 9_500, SYM_WBTC, 1_000_000e18));
        qre.setCollateral(address(weth), _cfg(18, 8_500, 9_000, 9_000, SYM_WETH, 1_000_000e18));
        qre.setCollateral(address(mon), _cfg(18, 5_000, 6_000, 8_000, SYM_MON, 10_000e18));
        qre.setReporter(address(this), true);

        insurance = new InsuranceFund(address(this), IBalanceManager(address(bm)), address(usdc), INSURANCE_BLOCK_CAP);
        adl = new TestAdlEngine();

        vaultImpl = new BalanceManagerVault();
        vault = BalanceManagerVault(
            address(
                new ERC1967Proxy(
                    address(vaultImpl),
                    abi.encodeCall(
                        BalanceManagerVault.initialize,
                        (address(this), address(bm), address(usdc), 6, address(insurance), address(adl))
                    )
                )
            )
        );
        vault.setSettlementRouter(address(this), true);
        bm.setOperator(address(vault), true);
        bm.setOperator(address(insurance), true);
        insurance.setAuthorized(address(vault), true);
        qre.setMarginVault(address(vault));

        pm = new PoolManager(address(this), address(bm));
        wbtcBook = OrderBook(pm.createPool(address(wbtc), address(usdc)));
        wethBook = OrderBook(pm.createPool(address(weth), address(usdc)));
        bm.setOperator(address(wbtcBook), true);
        bm.setOperator(address(wethBook), true);
        pm.setAuthorizedRouter(address(vault));

        vault.setQuantumRiskEngine(address(qre));
        vault.setPoolManager(address(pm));
        vault.setPriceOracle(address(oracle));
        vault.setMaxCollateralSellSlippageBps(1_000);

        _deposit(address(insurance), address(usdc), INSURANCE_SEED);
        _afterDeploy();
    }

    /// @dev Hook for suites that need more wiring.
    function _afterDeploy() internal virtual {}

    // ---------------------------------------------------------------- IPositionSideSource

    function isLongPosition(bytes32) external view returns (bool) {
        return positionIsLong;
    }

    // ---------------------------------------------------------------- helpers

    function _cfg(
        uint8 decimals,
        uint16 initialWeightBps,
        uint16 maintenanceWeightBps,
        uint16 liqFactorBps,
        bytes32 symbol,
        uint256 maxNotionalUsd18
    ) internal pure returns (IQuantumRiskEngine.CollateralConfig memory) {
        return IQuantumRiskEngine.CollateralConfig({
            enabled: true,
            decimals: decimals,
            initialWeightBps: initialWeightBps,
            maintenanceWeightBps: maintenanceWeightBps,
            liqFactorBps: liqFactorBps,
            priceSymbol: symbol,
            assetCap: type(uint256).max,
            userCap: type(uint256).max,
            maxNotionalUsd18: maxNotionalUsd18
        });
    }

    /// @dev Mints `amount` of `token` and deposits it into the BalanceManager for `user` (via depositFor).
    function _deposit(address user, address token, uint256 amount) internal {
        MockERC20(token).mint(address(this), amount);
        MockERC20(token).approve(address(bm), amount);
        bm.depositFor(user, token, amount);
    }

    /// @dev `maker` rests a bid of `qty` base at `price` (USDC per whole base) on `book`, funding it first.
    function _bid(address maker, OrderBook book, uint256 price, uint256 qty) internal returns (uint256 id) {
        uint256 quote = (qty * price + 10 ** book.baseDecimals() - 1) / 10 ** book.baseDecimals();
        _deposit(maker, address(usdc), quote);
        vm.prank(maker);
        id = book.placeLimitOrder(IOrderBook.Side.BUY, price, qty);
    }

    function _posKey(address user, uint256 n) internal pure returns (bytes32) {
        return keccak256(abi.encode(user, n));
    }

    function _free(address user, address token) internal view returns (uint256) {
        return bm.getBalance(user, token);
    }

    function _lockedUsdc(address user) internal view returns (uint256) {
        return bm.getLockedBalance(user, address(usdc), address(vault));
    }

    function _insuranceBalance() internal view returns (uint256) {
        return bm.getBalance(address(insurance), address(usdc));
    }

    function _alloc(bytes32 posKey) internal view returns (IBalanceManagerVault.PositionAllocation memory) {
        return vault.getPositionAllocation(posKey);
    }

    /// @dev Custody solvency (DEBT-6) for one token: claims never exceed tokens held.
    function _assertSolvent(address token) internal view {
        vm.assertLe(bm.totalClaims(token), MockERC20(token).balanceOf(address(bm)), "claims exceed custody");
    }
}

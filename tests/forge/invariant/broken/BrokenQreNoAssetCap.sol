// GENERATED from contracts/QuantumRiskEngine.sol by vaultproof (code variant qre-no-asset-cap); do not edit.
// Seeded defect: the pro-rata asset-cap step is missing (only the user cap applies)
// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IQuantumRiskEngine} from "../../../../contracts/interfaces/IQuantumRiskEngine.sol";
import {IBalanceManager} from "../../../../contracts/interfaces/IBalanceManager.sol";
import {IPriceOracle} from "../../../../contracts/interfaces/IPriceOracle.sol";
import {IQuantumRiskReporting} from "../../../../contracts/interfaces/IRiskReporting.sol";
import {CollateralMath} from "../../../../contracts/libraries/CollateralMath.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title QuantumRiskEngine (QRE) — non-custodial multi-asset risk engine.
/// @notice Values a user's collateral basket in 18-decimal USD and answers margin questions. It only READS
/// the BalanceManager and the oracle: it never moves, locks or transfers tokens (QRE-4, ST-9).
/// @dev equity18 = Σ_i sizeScaled(valueUsd18(counted_i, price_i, maintenanceWeight_i)) + pnl18 − fees18,
/// where counted_i = min(balance_i, userCap_i), scaled pro rata when the asset's total exceeds assetCap_i.
/// A stale or missing price excludes the asset (valued 0, the conservative choice); nothing here reverts
/// on a bad feed, so liquidation eligibility can always be evaluated.
contract BrokenQreNoAssetCap is IQuantumRiskEngine, IQuantumRiskReporting, Ownable {
    /// @dev Bounds every loop over collaterals (Security Rule 8); USDC takes one slot.
    uint256 public constant MAX_COLLATERALS = 8;
    uint256 internal constant BPS = 10_000;

    error InvalidCollateralConfig(address token);
    error TooManyCollaterals();
    error NotReporter(address caller);
    error UsdcConfigFixed();

    event CollateralConfigured(address indexed token, CollateralConfig config);
    event ReporterSet(address indexed reporter, bool allowed);
    event MarginVaultSet(address indexed vault);
    event MarginsReported(address indexed user, uint256 initialMargin18, uint256 maintenanceMargin18);
    event PnlReported(address indexed user, int256 unrealizedPnl18, uint256 pendingFees18);

    IBalanceManager public immutable balanceManager;
    IPriceOracle public immutable priceOracle;
    address public immutable usdc;

    /// @notice Locker whose locked USDC still belongs to the user's equity (the vault's position margin).
    address public marginVault;

    address[] private _collaterals; // registration order, USDC first; bounded by MAX_COLLATERALS
    mapping(address token => CollateralConfig) private _configs;
    mapping(address token => bool) private _registered;

    mapping(address reporter => bool) public isReporter;
    mapping(address user => uint256) private _initialMargin18;
    mapping(address user => uint256) private _maintenanceMargin18;
    mapping(address user => int256) public unrealizedPnl18;
    mapping(address user => uint256) public pendingFees18;

    modifier onlyReporter() {
        if (!isReporter[msg.sender] && msg.sender != owner()) revert NotReporter(msg.sender);
        _;
    }

    constructor(address owner_, address balanceManager_, address priceOracle_, address usdc_, uint8 usdcDecimals)
        Ownable(owner_)
    {
        if (balanceManager_ == address(0) || usdc_ == address(0) || usdcDecimals > 18) {
            revert InvalidCollateralConfig(usdc_);
        }
        balanceManager = IBalanceManager(balanceManager_);
        priceOracle = IPriceOracle(priceOracle_);
        usdc = usdc_;
        // USDC: price 1, weight 1 — with only USDC enabled every result equals the legacy 1:1 valuation (QRE-2).
        CollateralConfig memory cfg = CollateralConfig({
            enabled: true,
            decimals: usdcDecimals,
            initialWeightBps: uint16(BPS),
            maintenanceWeightBps: uint16(BPS),
            liqFactorBps: uint16(BPS),
            priceSymbol: bytes32(0),
            assetCap: type(uint256).max,
            userCap: type(uint256).max,
            maxNotionalUsd18: type(uint256).max
        });
        _register(usdc_, cfg);
    }

    // ---------------------------------------------------------------- admin (owner-only)

    /// @notice Adds or updates a non-USDC collateral. Enforces initialWeight ≤ maintenanceWeight ≤ 100%.
    function setCollateral(address token, CollateralConfig calldata cfg) external onlyOwner {
        if (token == usdc) revert UsdcConfigFixed();
        if (
            token == address(0) || cfg.initialWeightBps > cfg.maintenanceWeightBps || cfg.maintenanceWeightBps > BPS
                || cfg.liqFactorBps == 0 || cfg.liqFactorBps > BPS || cfg.decimals > 18 || cfg.priceSymbol == bytes32(0)
        ) revert InvalidCollateralConfig(token);
        _register(token, cfg);
    }

    function setReporter(address reporter, bool allowed) external onlyOwner {
        isReporter[reporter] = allowed;
        emit ReporterSet(reporter, allowed);
    }

    function setMarginVault(address vault) external onlyOwner {
        marginVault = vault;
        emit MarginVaultSet(vault);
    }

    // ---------------------------------------------------------------- reporters (PerpEngine, LiquidationEngine)

    function reportMargins(address user, uint256 im18, uint256 mm18) external onlyReporter {
        _initialMargin18[user] = im18;
        _maintenanceMargin18[user] = mm18;
        emit MarginsReported(user, im18, mm18);
    }

    function reportPnl(address user, int256 pnl18, uint256 fees18) external onlyReporter {
        unrealizedPnl18[user] = pnl18;
        pendingFees18[user] = fees18;
        emit PnlReported(user, pnl18, fees18);
    }

    // ---------------------------------------------------------------- read surface

    function getEnabledCollaterals() external view returns (address[] memory enabled) {
        uint256 n = _collaterals.length;
        address[] memory tmp = new address[](n);
        uint256 k;
        for (uint256 i; i < n; ++i) {
            address t = _collaterals[i];
            if (_configs[t].enabled) tmp[k++] = t;
        }
        enabled = new address[](k);
        for (uint256 i; i < k; ++i) {
            enabled[i] = tmp[i];
        }
    }

    function isCollateralEnabled(address token) external view returns (bool) {
        return _configs[token].enabled;
    }

    function getCollateralConfig(address token) external view returns (CollateralConfig memory) {
        return _configs[token];
    }

    function getCollateralPriceSymbol(address token) external view returns (bytes32) {
        return _configs[token].priceSymbol;
    }

    function initialMargin18(address user) external view returns (uint256) {
        return _initialMargin18[user];
    }

    function maintenanceMargin18(address user) external view returns (uint256) {
        return _maintenanceMargin18[user];
    }

    /// @notice Maintenance-weighted equity (the liquidation basis).
    function equity18(address user) public view returns (int256) {
        return _equity18(user, true, address(0), 0);
    }

    /// @notice Initial-weighted equity (the withdraw / new-risk basis; ≤ equity18 since weights are ordered).
    function initialEquity18(address user) public view returns (int256) {
        return _equity18(user, false, address(0), 0);
    }

    /// @notice Value one collateral balance would contribute (exposed so tests and the prover can check
    /// monotonicity and caps without a user).
    function collateralValue18(address token, uint256 balance, bool maintenance) public view returns (uint256) {
        CollateralConfig memory cfg = _configs[token];
        if (!cfg.enabled || balance == 0) return 0;
        if (token == usdc) return CollateralMath.valueUsd18(balance, cfg.decimals, 1, 0, uint16(BPS));
        (bool fresh, uint256 price, uint8 priceDecimals) = _tryPrice(cfg.priceSymbol);
        if (!fresh) return 0;
        uint16 w = maintenance ? cfg.maintenanceWeightBps : cfg.initialWeightBps;
        return CollateralMath.sizeScaled(
            CollateralMath.valueUsd18(balance, cfg.decimals, price, priceDecimals, w), cfg.maxNotionalUsd18
        );
    }

    function isLiquidatable(address user) external view returns (bool) {
        int256 eq = equity18(user);
        uint256 mm = _maintenanceMargin18[user];
        return eq < 0 || uint256(eq) < mm;
    }

    /// @inheritdoc IQuantumRiskEngine
    function canWithdraw(address user, address token, uint256 amount) external view returns (bool) {
        if (balanceManager.getBalance(user, token) < amount) return false;
        int256 eq = _equity18(user, false, token, amount);
        return eq >= 0 && uint256(eq) >= _initialMargin18[user];
    }

    // ---------------------------------------------------------------- internal

    function _register(address token, CollateralConfig memory cfg) private {
        if (!_registered[token]) {
            if (_collaterals.length >= MAX_COLLATERALS) revert TooManyCollaterals();
            _registered[token] = true;
            _collaterals.push(token);
        }
        _configs[token] = cfg;
        emit CollateralConfigured(token, cfg);
    }

    /// @dev `without` / `withoutAmount` remove a hypothetical withdrawal from that token's free balance.
    function _equity18(address user, bool maintenance, address without, uint256 withoutAmount)
        private
        view
        returns (int256)
    {
        uint256 total;
        uint256 n = _collaterals.length; // ≤ MAX_COLLATERALS
        for (uint256 i; i < n; ++i) {
            address token = _collaterals[i];
            uint256 bal = _heldBalance(user, token);
            if (token == without) bal -= withoutAmount; // caller checked withoutAmount ≤ free ≤ bal
            total += collateralValue18(token, _counted(token, bal), maintenance);
        }
        return SafeCast.toInt256(total) + unrealizedPnl18[user] - SafeCast.toInt256(pendingFees18[user]);
    }

    /// @dev Free balance plus what the margin vault has locked for the user (still the user's USDC).
    function _heldBalance(address user, address token) private view returns (uint256 bal) {
        bal = balanceManager.getBalance(user, token);
        address vault = marginVault;
        if (vault != address(0)) bal += balanceManager.getLockedBalance(user, token, vault);
    }

    /// @dev Per-user cap, then pro-rata share of the per-asset cap (Σ counted over users ≤ assetCap).
    function _counted(address token, uint256 bal) private view returns (uint256 counted) {
        CollateralConfig storage cfg = _configs[token];
        counted = bal < cfg.userCap ? bal : cfg.userCap;
        // DEFECT(QRE-4): the asset cap is not applied
    }

    function _tryPrice(bytes32 symbol) private view returns (bool fresh, uint256 price, uint8 decimals) {
        if (address(priceOracle) == address(0)) return (false, 0, 0);
        try priceOracle.tryGetFreshPrice(symbol) returns (bool f, uint256 p, uint8 d) {
            if (!f || p == 0 || d > 18) return (false, 0, 0);
            return (true, p, d);
        } catch {
            return (false, 0, 0);
        }
    }
}

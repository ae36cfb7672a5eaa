// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofDeploy} from "../utils/Deploy.sol";
import {SystemHandler, System} from "./SystemHandler.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {OrderBook} from "../../../contracts/OrderBook.sol";
import {BalanceManagerVault} from "../../../contracts/BalanceManagerVault.sol";
import {IBalanceManagerVault} from "../../../contracts/interfaces/IBalanceManagerVault.sol";
import {IQuantumRiskEngine} from "../../../contracts/interfaces/IQuantumRiskEngine.sol";

/// @title SystemInvariants — forge `invariant_` properties of the deployed margin system.
/// @notice One handler (`SystemHandler`) drives the real deployment of `utils/Deploy.sol`: deposits and
/// withdrawals of USDC, WBTC and WETH, CROSS and ISOLATED allocations (virtual backing included), full and
/// partial releases at a profit or a loss, liquidations (releases at a loss beyond the lock: the waterfall
/// through free USDC, collateral sales on the books, insurance under its per-block cap, ADL, shortfall),
/// bids resting above and below the conversion floor, oracle moves, stale prices and new blocks.
///
/// Each invariant's name carries its property id (`invariant_DEBT_6_...` → DEBT-6); vaultproof maps results
/// to properties through `properties/invariants.py`. Runs, depth and seed are pinned in foundry.toml's
/// `[profile.invariant]` (run it with FOUNDRY_PROFILE=invariant). `tests/forge/invariant/broken/` runs the
/// same invariants against seeded defects (generated under build/repro/broken/), each of which must fail.
///
/// Set-up on top of Deploy.sol: insurance may pay 2,000 USDC per block (so the cap binds), ADL starts with no
/// capacity (so shortfalls are recorded), and WETH counts at most 30 WETH per user and 50 WETH across users
/// (QRE-4; its size-scaling threshold is raised so the valuation is linear and the cap is the only cut). Each
/// user starts with 1,500 USDC, 0.2 WBTC and 16.67 WETH (50 WETH in all less 2 wei, just under the asset cap)
/// and an ISOLATED position of all 1,500 USDC, so a new CROSS position starts virtual-backed while the user's
/// lock bucket holds another position's USDC; the maker rests bids on both books (WBTC: only below its floor
/// until the handler bids).
abstract contract SystemInvariants is VaultproofDeploy {
    uint256 internal constant INVARIANT_BLOCK_CAP = 2_000e6;
    uint256 internal constant WETH_USER_CAP = 30e18;
    uint256 internal constant WETH_ASSET_CAP = 50e18;

    SystemHandler internal handler;

    function _afterDeploy() internal override {
        insurance.setMaxQuantumsInsuranceLost(INVARIANT_BLOCK_CAP);
        IQuantumRiskEngine.CollateralConfig memory cfg = _cfg(18, 8_500, 9_000, 9_000, SYM_WETH, 1e36);
        cfg.userCap = WETH_USER_CAP;
        cfg.assetCap = WETH_ASSET_CAP;
        qre.setCollateral(address(weth), cfg);

        _installVariant();

        handler = new SystemHandler(
            System(usdc, wbtc, weth, bm, oracle, qre, wbtcBook, wethBook, insurance, adl, vault)
        );
        vault.setSettlementRouter(address(handler), true);
        oracle.setUpdater(address(handler), true);

        // A starting book and baskets, so that early liquidations already reach collateral sales: a WBTC bid
        // below its floor (78,000 < 80,750: between the 95% liqFactor and the 90% slippage bound), and WETH bids
        // above / below its floor (2,700). The handler's `bid` adds bids on both sides of both floors.
        _bid(MAKER, wbtcBook, 78_000e6, 0.5e8);
        _bid(MAKER, wethBook, 2_850e6, 2e18);
        _bid(MAKER, wethBook, 2_600e6, 10e18);
        for (uint256 u; u < handler.actorCount(); ++u) {
            address user = handler.actor(u);
            _deposit(user, address(usdc), 1_500e6);
            _deposit(user, address(wbtc), 0.2e8);
            _deposit(user, address(weth), WETH_ASSET_CAP / 3); // 3 × 16.67 WETH: just under the cap
        }
        handler.openInitialPositions(1_500e6);
    }

    /// @dev Broken-variant suites replace one deployed contract's code here (shipped: nothing).
    function _installVariant() internal virtual {}

    /// @notice forge fuzzes only the handler's actions.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    // ================================================================ the invariants
    // Checked by the `invariant_*` wrappers of the concrete suites below and in broken/. Each failure message
    // is built only on failure (it walks the handler's journal).

    /// DEBT-1: every DeficitSettled sums to its deficit (= the loss beyond the lock), and its collateral and
    /// insurance legs are what the sales and the fund actually paid.
    function _check_DEBT_1_waterfall_conserves() internal view {
        if (handler.debt1Violations() != 0) _fail("DEBT-1", handler.firstDebt1());
    }

    /// DEBT-3: the insurance fund pays at most what it is asked and at most MaxQuantumsInsuranceLost per block.
    function _check_DEBT_3_insurance_block_cap() internal view {
        if (handler.debt3Violations() != 0) _fail("DEBT-3", handler.firstDebt3());
        if (insurance.paidInBlock() > insurance.maxQuantumsInsuranceLost()) {
            _fail("DEBT-3", string.concat("paidInBlock ", vm.toString(insurance.paidInBlock()), " over the cap"));
        }
    }

    /// DEBT-6: per token, Σ claims (every account's free balance and every locker's locked balance) ≤ tokens
    /// the custodian holds; the custodian's own running total agrees with the sum.
    function _check_DEBT_6_custody_solvent() internal view {
        address[3] memory tokens = [address(usdc), address(wbtc), address(weth)];
        for (uint256 t; t < 3; ++t) {
            uint256 claims = _claims(tokens[t]);
            uint256 held = MockERC20(tokens[t]).balanceOf(address(bm));
            if (claims > held || claims != bm.totalClaims(tokens[t])) {
                _fail(
                    "DEBT-6",
                    string.concat(
                        MockERC20(tokens[t]).symbol(),
                        " claims ",
                        vm.toString(claims),
                        " vs held ",
                        vm.toString(held),
                        " (running total ",
                        vm.toString(bm.totalClaims(tokens[t])),
                        ")"
                    )
                );
            }
        }
    }

    /// ALLOC-6: per user, totalAllocated = cross + isolated = Σ open allocations by mode; usdcLocked ≤ amount
    /// per allocation; Σ effective locked = the BalanceManager's locked (user, USDC, vault).
    function _check_ALLOC_6_bookkeeping() internal view {
        for (uint256 u; u < handler.actorCount(); ++u) {
            address user = handler.actor(u);
            (uint256 cross, uint256 isolated, uint256 effective, bool overLocked) = _openAllocations(user);
            BalanceManagerVault.UserAccount memory acct = vault.getUserAccount(user);
            if (overLocked) _fail("ALLOC-6", "an allocation records usdcLocked > amount");
            if (uint256(acct.totalAllocated) != uint256(acct.crossMarginAllocated) + acct.isolatedAllocated) {
                _fail("ALLOC-6", "totalAllocated != cross + isolated");
            }
            if (acct.crossMarginAllocated != cross || acct.isolatedAllocated != isolated) {
                _fail("ALLOC-6", "the account's totals differ from its open allocations");
            }
            if (effective != _lockedUsdc(user)) {
                _fail(
                    "ALLOC-6",
                    string.concat(
                        "sum of effective locks ",
                        vm.toString(effective),
                        " != locked ",
                        vm.toString(_lockedUsdc(user)),
                        " (USDC units)"
                    )
                );
            }
        }
    }

    /// REL-1: no release or cancel unlocks (or forfeits) more than the position's effective locked USDC.
    function _check_REL_1_release_bounded_by_lock() internal view {
        if (handler.rel1Violations() != 0) _fail("REL-1", handler.firstRel1());
    }

    /// CONV-1: every CollateralSold realised ≥ qty × oracle × max(liqFactor, 1 − slippage), exactly.
    function _check_CONV_1_sales_clear_floor() internal view {
        if (handler.conv1Violations() != 0) _fail("CONV-1", handler.firstConv1());
    }

    /// QRE-4: the capped asset (WETH) counts ≤ its per-user cap in each user's equity, and ≤ its asset cap
    /// summed over every holder.
    function _check_QRE_4_caps() internal view {
        uint256 total;
        address[4] memory holders = [handler.actor(0), handler.actor(1), handler.actor(2), MAKER];
        for (uint256 i; i < holders.length; ++i) {
            uint256 counted = _wethEquity(holders[i]);
            uint256 held = _held(holders[i], address(weth));
            uint256 bound = qre.collateralValue18(address(weth), held < WETH_USER_CAP ? held : WETH_USER_CAP, true);
            if (counted > bound) _fail("QRE-4", "a user's WETH counts above min(balance, userCap)");
            total += counted;
        }
        uint256 assetCapValue = qre.collateralValue18(address(weth), WETH_ASSET_CAP, true);
        if (total > assetCapValue) {
            _fail(
                "QRE-4",
                string.concat(
                    "WETH counted for ",
                    vm.toString(total / 1e18),
                    " USD across holders, over the asset cap's ",
                    vm.toString(assetCapValue / 1e18),
                    " USD"
                )
            );
        }
    }

    // ================================================================ helpers

    /// @dev Fails with the property id, what broke (token units), and the actions applied in this run, in token
    /// units. forge's reason may come from a longer run than the shrunk sequence it prints; vaultproof replays
    /// the shrunk calls alone (build/repro/Seq_*.t.sol) so the message then lists exactly those.
    function _fail(string memory id, string memory what) internal view {
        vm.assertTrue(false, string.concat(id, ": ", what, " | ", handler.journal()));
    }

    function _claims(address token) internal view returns (uint256 sum) {
        address[6] memory accounts =
            [handler.actor(0), handler.actor(1), handler.actor(2), MAKER, address(insurance), address(this)];
        address[3] memory lockers = [address(vault), address(wbtcBook), address(wethBook)];
        for (uint256 a; a < accounts.length; ++a) {
            sum += bm.getBalance(accounts[a], token);
            for (uint256 l; l < lockers.length; ++l) {
                sum += bm.getLockedBalance(accounts[a], token, lockers[l]);
            }
        }
        sum += bm.getBalance(address(handler), token) + bm.getBalance(address(vault), token);
    }

    function _openAllocations(address user)
        internal
        view
        returns (uint256 cross, uint256 isolated, uint256 eff, bool overLocked)
    {
        for (uint256 i; i < handler.openPositionCount(); ++i) {
            bytes32 key = handler.openPosition(i);
            if (handler.ownerOf(key) != user) continue;
            IBalanceManagerVault.PositionAllocation memory a = vault.getPositionAllocation(key);
            if (a.usdcLocked > a.amount) overLocked = true;
            if (a.mode == uint8(IBalanceManagerVault.MarginMode.ISOLATED)) isolated += a.amount;
            else cross += a.amount;
            eff += vault.effectiveLocked(key);
        }
    }

    function _held(address user, address token) internal view returns (uint256) {
        return bm.getBalance(user, token) + bm.getLockedBalance(user, token, address(vault));
    }

    /// @dev The WETH part of a user's maintenance equity: equity18 minus the uncapped assets' values (the suite
    /// reports no PnL or fees, and USDC, WBTC, MON have no caps, so each counts its whole held balance).
    function _wethEquity(address user) internal view returns (uint256) {
        int256 equity = qre.equity18(user);
        uint256 others = qre.collateralValue18(address(usdc), _held(user, address(usdc)), true)
            + qre.collateralValue18(address(wbtc), _held(user, address(wbtc)), true)
            + qre.collateralValue18(address(mon), _held(user, address(mon)), true);
        return uint256(equity) - others;
    }
}

/// @notice The shipped system: every invariant. (Each broken-variant suite declares only the invariant its
/// defect must break, so one forge run over `broken/` is one campaign per variant.)
contract SystemInvariantsTest is SystemInvariants {
    function invariant_DEBT_1_waterfall_conserves() public view {
        _check_DEBT_1_waterfall_conserves();
    }

    function invariant_DEBT_3_insurance_block_cap() public view {
        _check_DEBT_3_insurance_block_cap();
    }

    function invariant_DEBT_6_custody_solvent() public view {
        _check_DEBT_6_custody_solvent();
    }

    function invariant_ALLOC_6_bookkeeping() public view {
        _check_ALLOC_6_bookkeeping();
    }

    function invariant_REL_1_release_bounded_by_lock() public view {
        _check_REL_1_release_bounded_by_lock();
    }

    function invariant_CONV_1_sales_clear_floor() public view {
        _check_CONV_1_sales_clear_floor();
    }

    function invariant_QRE_4_caps() public view {
        _check_QRE_4_caps();
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LiqFixture} from "./utils/LiqFixture.sol";
import {PerpArchBase} from "../../../contracts/PerpArchBase.sol";
import {ILiquidationEngine} from "../../../contracts/interfaces/ILiquidationEngine.sol";
import {IPerpEngine} from "../../../contracts/interfaces/IPerpEngine.sol";
import {IBalanceManagerVault} from "../../../contracts/interfaces/IBalanceManagerVault.sol";

/// @notice ST-8 parity: the same open → close → partial liquidation → full (backstop) liquidation scenario,
/// run once through the monolithic PerpEngine and once through the modular CLOBPerpetualRouter (same vault,
/// BalanceManager, insurance fund and LiquidationEngine; different users), produces identical BalanceManager
/// balances, vault allocations, positions, insurance changes and liquidation results at every step.
contract ParityTest is LiqFixture {
    uint256[] internal _perpTrace;
    uint256[] internal _routerTrace;

    function _record(uint256[] storage trace, PerpArchBase arch, address[3] memory u, uint256 insBefore) internal {
        for (uint256 i; i < 3; ++i) {
            trace.push(_free(u[i]));
            trace.push(_locked(u[i]));
            for (uint256 side; side < 2; ++side) {
                bytes32 key = arch.positionKey(u[i], MARKET, side == 0);
                IBalanceManagerVault.PositionAllocation memory a = vault.getPositionAllocation(key);
                trace.push(a.amount);
                trace.push(a.usdcLocked);
                trace.push(a.exists ? 1 : 0);
                IPerpEngine.Position memory p = arch.getPosition(key);
                trace.push(p.size);
                trace.push(p.entryPrice);
                trace.push(p.margin);
            }
        }
        uint256 ins = insurance.balance();
        trace.push(ins >= insBefore ? ins - insBefore : 0);
        trace.push(ins < insBefore ? insBefore - ins : 0);
    }

    function _recordResult(uint256[] storage trace, ILiquidationEngine.Result memory r) internal {
        trace.push(r.size);
        trace.push(r.notional);
        trace.push(r.absorbed);
        trace.push(r.backstopped);
        trace.push(r.quoteValue);
        trace.push(r.fee);
        trace.push(r.insuranceLost);
        trace.push(uint256(r.pnl < 0 ? -r.pnl : r.pnl));
        trace.push(r.pnl < 0 ? 1 : 0);
    }

    /// u[0] short 2 BTC (gets liquidated), u[1] long 1 BTC (absorbs), u[2] long 0.5 BTC (opens and closes).
    function _scenario(PerpArchBase arch, address[3] memory u, uint256[] storage trace) internal {
        uint256 ins0 = insurance.balance();
        _setPrice(45_000);
        _fund(u[0], 10_998 * USD);
        _fund(u[1], 95_000 * USD);
        _fund(u[2], 10_000 * USD);
        _open(arch, u[0], false, 2 * ONE_BTC, 9);
        _open(arch, u[1], true, ONE_BTC, 1);
        _open(arch, u[2], true, ONE_BTC / 2, 5);
        _record(trace, arch, u, ins0);

        _setPrice(47_000); // close at +1,000 → releaseFromPosition(pnl = +1,000)
        vm.prank(u[2]);
        arch.closePosition(MARKET, true, 47_000 * USD);
        _record(trace, arch, u, ins0);

        _setPrice(50_000); // u[0]: equity 998 < MM 1,000 → partial (10%) absorbed by u[1] at 49,800
        le.setMaxPositionPortionLiquidatedPpm(100_000);
        le.setMinPositionNotionalLiquidated(1_000 * USD);
        _recordResult(trace, _liquidate(arch, u[1], u[0], false, 49_800 * USD));
        _record(trace, arch, u, ins0);

        vm.roll(block.number + 1); // next block, inside the cooldown: full liquidation by the backstop
        _setPrice(51_000);
        le.setMinPositionNotionalLiquidated(10_000_000 * USD);
        _recordResult(trace, _liquidate(arch, keeper, u[0], false, 0));
        _record(trace, arch, u, ins0);
        le.setMinPositionNotionalLiquidated(1_000 * USD);
    }

    function test_parity_perpEngine_vs_router() public {
        _scenario(perp, [address(0xA1), address(0xB1), address(0xC1)], _perpTrace);
        _scenario(router, [address(0xA2), address(0xB2), address(0xC2)], _routerTrace);
        vm.assertEq(_perpTrace.length, _routerTrace.length, "same trace length");
        for (uint256 i; i < _perpTrace.length; ++i) {
            vm.assertEq(_perpTrace[i], _routerTrace[i], "identical BMV / BalanceManager state at every step");
        }
        // the scenario is not vacuous: the liquidations really moved value
        vm.assertEq(uint256(perp.getPosition(perp.positionKey(address(0xA1), MARKET, false)).size), 0, "closed");
        vm.assertGt(_perpTrace.length, 100, "trace recorded");
        vm.assertEq(_free(address(0xC1)), 11_000 * USD, "profitable close paid +1,000");
        vm.assertEq(_free(address(0xC2)), 11_000 * USD, "same through the router");
    }

    /// Both arches report to the same ADL registry and charge its haircut at settlement identically.
    function test_parity_adlHaircut_chargedAtClose() public {
        address[2] memory longs = [address(0xD1), address(0xD2)];
        PerpArchBase[2] memory arches = [PerpArchBase(perp), PerpArchBase(router)];
        _setPrice(40_000);
        for (uint256 i; i < 2; ++i) {
            _fund(longs[i], 40_000 * USD);
            _open(arches[i], longs[i], true, ONE_BTC, 1);
        }
        _setPrice(50_000);
        adlEngine.setSocializer(address(this), true);
        (uint256 s,) = adlEngine.socialize(MARKET, false, 6_000 * USD); // a short's shortfall hits the longs
        vm.assertEq(s, 6_000 * USD, "socialized");
        uint256 h0 = adlEngine.pendingHaircut(perp.positionKey(longs[0], MARKET, true));
        uint256 h1 = adlEngine.pendingHaircut(router.positionKey(longs[1], MARKET, true));
        vm.assertEq(h0 + h1, 6_000 * USD, "charged across both arches' positions");
        for (uint256 i; i < 2; ++i) {
            vm.prank(longs[i]);
            arches[i].closePosition(MARKET, true, 50_000 * USD);
        }
        vm.assertEq(_free(longs[0]), 50_000 * USD - h0, "PerpEngine: profit 10,000 minus its haircut");
        vm.assertEq(_free(longs[1]), 50_000 * USD - h1, "router: profit 10,000 minus its haircut");
        vm.assertEq(adlEngine.pendingHaircut(perp.positionKey(longs[0], MARKET, true)), 0, "consumed");
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultproofTest} from "./utils/Vm.sol";
import {LockMath} from "../../contracts/libraries/LockMath.sol";
import {CollateralMath} from "../../contracts/libraries/CollateralMath.sol";
import {DeficitMath} from "../../contracts/libraries/DeficitMath.sol";
import {SeedLockRule} from "../fixtures/contracts/SeedLockRule.sol";

/// @notice Fuzz tests of the pure libraries the prover extracts (the Z3 proofs are the real guarantee; these
/// catch a regression at `forge test` time).
contract MathFuzzTest is VaultproofTest {
    // ---------------------------------------------------------------- LockMath

    /// ALLOC-1/2: toLock ≤ amount, toLock ≤ free, toLock + virtual = amount; ISOLATED ok iff free ≥ amount.
    function testFuzz_splitLock(uint256 amount, uint256 free, bool isolated) public pure {
        amount = bound(amount, 0, type(uint96).max);
        free = bound(free, 0, type(uint128).max);
        (bool ok, uint256 toLock, uint256 virt) = LockMath.splitLock(amount, free, isolated);
        if (isolated) {
            vm.assertEq(ok, free >= amount, "isolated ok iff free >= amount");
            if (ok) vm.assertEq(toLock, amount, "isolated locks everything");
            vm.assertEq(virt, 0, "isolated has no virtual backing");
        } else {
            vm.assertTrue(ok, "cross always splits");
            vm.assertEq(toLock + virt, amount, "split is exact");
        }
        vm.assertLe(toLock, amount, "toLock <= amount");
        vm.assertLe(toLock, free, "toLock <= free");
    }

    /// ALLOC-4: scaling is exact for every decimals ≤ 18.
    function testFuzz_scaleTo18(uint256 amount, uint8 decimals) public pure {
        decimals = uint8(bound(decimals, 0, 18));
        amount = bound(amount, 0, type(uint96).max);
        uint256 s = LockMath.scaleTo18(amount, decimals);
        vm.assertEq(s / 10 ** (18 - decimals), amount, "exact, no overflow");
        vm.assertEq(LockMath.requiredEquity18(7, amount, decimals), 7 + s, "required = mm + scaled");
    }

    /// BF: shipped rule = amount for legacy records, usdcLocked otherwise; the seed rule differs exactly on
    /// post-upgrade fully virtual records.
    function testFuzz_effectiveLocked(uint128 amount, uint128 usdcLocked, uint8 version) public pure {
        usdcLocked = uint128(bound(usdcLocked, 0, amount));
        uint256 e = LockMath.effectiveLocked(amount, usdcLocked, version);
        if (version == 0) vm.assertEq(e, amount, "legacy: fully locked");
        else vm.assertEq(e, usdcLocked, "post-upgrade: the real lock");
        vm.assertLe(e, amount, "never more than the amount");
        if (version != 0 && usdcLocked == 0 && amount > 0) {
            vm.assertTrue(SeedLockRule.effectiveLocked(amount, usdcLocked) != e, "seed rule wrong here (BF-2)");
        }
    }

    /// REL-4: a partial unlock is at most its fraction, and the remainder keeps usdcLocked ≤ amount.
    function testFuzz_partialUnlock(uint256 locked, uint256 amount, uint256 ppm) public pure {
        amount = bound(amount, 0, type(uint128).max);
        locked = bound(locked, 0, amount);
        ppm = bound(ppm, 0, LockMath.PPM);
        uint256 part = LockMath.partialUnlock(locked, ppm);
        vm.assertLe(part * LockMath.PPM, locked * ppm, "rounded down");
        vm.assertLe(part, locked, "never more than the lock");
        vm.assertLe(locked - part, amount - LockMath.partialUnlock(amount, ppm), "remainder lock <= remainder amount");
    }

    // ---------------------------------------------------------------- CollateralMath

    /// CONV-1: minProceeds is the exact floor rounded UP, for any base decimals (8 and 18 included).
    function testFuzz_minProceedsRoundsUp(uint256 qty, uint256 price, uint8 baseDec, uint16 liq) public pure {
        baseDec = uint8(bound(baseDec, 0, 18));
        qty = bound(qty, 0, 1e30);
        price = bound(price, 1, 1e15);
        liq = uint16(bound(liq, 1, 10_000));
        uint256 m = CollateralMath.minProceeds(qty, baseDec, price, 8, 6, liq);
        uint256 num = qty * price * liq * 1e6;
        uint256 den = 10 ** baseDec * 1e8 * 10_000;
        vm.assertGe(m * den, num, "covers the exact floor");
        if (m > 0) vm.assertLt((m - 1) * den, num, "smallest such value");
    }

    /// floorPrice is oracle × liqFactor rounded UP, and one fill of an 8-dp base at exactly floorPrice (the book
    /// rounds the quote down) lands at most one quote unit under minProceeds — which is why the vault also
    /// checks the simulated and the realised proceeds against minProceeds instead of trusting the price.
    function testFuzz_floorPriceConsistent(uint256 price, uint16 liq, uint256 qty) public pure {
        price = bound(price, 1, 1e15);
        liq = uint16(bound(liq, 1, 10_000));
        qty = bound(qty, 0, 1e12);
        uint256 fp = CollateralMath.floorPrice(price, 8, 6, liq);
        vm.assertGe(fp * 1e8 * 10_000, price * liq * 1e6, "floor price rounded up");
        uint256 quote = qty * fp / 1e8; // an 8-dp base filled at the floor price
        vm.assertGe(quote + 1, CollateralMath.minProceeds(qty, 8, price, 8, 6, liq), "floor fill within 1 unit");
    }

    /// QRE-3: value is non-decreasing in balance, before and after size-scaling.
    function testFuzz_valueMonotone(uint256 a, uint256 b, uint16 w, uint256 maxNotional) public pure {
        a = bound(a, 0, 1e30);
        b = bound(b, a, 1e30);
        w = uint16(bound(w, 0, 10_000));
        maxNotional = bound(maxNotional, 0, 1e30);
        uint256 va = CollateralMath.valueUsd18(a, 18, 3_000e8, 8, w);
        uint256 vb = CollateralMath.valueUsd18(b, 18, 3_000e8, 8, w);
        vm.assertLe(va, vb, "valueUsd18 non-decreasing");
        vm.assertLe(
            CollateralMath.sizeScaled(va, maxNotional), CollateralMath.sizeScaled(vb, maxNotional), "scaled too"
        );
        vm.assertLe(CollateralMath.sizeScaled(vb, maxNotional), vb, "scaling never adds value");
    }

    /// QRE-3: the effective weight s(x)/x of size-scaling is non-increasing: for 0 < x ≤ y,
    /// s(x)·y ≥ s(y)·x up to the one unit s rounds down (so s(x)·y + y ≥ s(y)·x).
    function testFuzz_sizeScalingWeightNonIncreasing(uint256 x, uint256 y, uint256 maxNotional) public pure {
        x = bound(x, 1, 1e36);
        y = bound(y, x, 1e36);
        maxNotional = bound(maxNotional, 0, 1e36);
        uint256 sx = CollateralMath.sizeScaled(x, maxNotional);
        uint256 sy = CollateralMath.sizeScaled(y, maxNotional);
        vm.assertGe(sx * y + y, sy * x, "effective weight non-increasing");
    }

    // ---------------------------------------------------------------- DeficitMath

    /// CONV-3/4, DEBT-1: each step uses min(available, remaining) and conserves the deficit.
    function testFuzz_deficitSteps(uint256 deficit, uint256 free, uint256 received) public pure {
        deficit = bound(deficit, 0, type(uint128).max);
        free = bound(free, 0, type(uint128).max);
        received = bound(received, 0, type(uint128).max);
        (uint256 used, uint256 rem) = DeficitMath.takeFree(deficit, free);
        vm.assertEq(used + rem, deficit, "takeFree conserves");
        vm.assertLe(used, free, "never more than free");
        (uint256 paid, uint256 rem2) = DeficitMath.payToInsurance(received, rem);
        vm.assertEq(paid + rem2, rem, "payToInsurance conserves");
        vm.assertLe(paid, received, "never more than received (surplus stays with the user)");
        vm.assertLe(rem2, rem, "remaining non-increasing");
        vm.assertEq(paid, received < rem ? received : rem, "paid = min(received, remaining)");
    }
}

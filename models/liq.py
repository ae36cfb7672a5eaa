"""Liquidation sizing, fee and eligibility (seeds 003, 004): Z3 models for LIQ-1..5.

``LiquidationMath.liquidationNotional`` / ``liquidationFee`` are modelled exactly as the library
states them (DESIGN.md); per-block limits are proved by induction over the liquidations of one
account within one block (base: the first liquidation of a block; step: one more). LIQ-5 evaluates
the model on the three cases of seed 004 with the document's inputs; where the document's own
arithmetic disagrees with those inputs, a seed finding shows the stated output is not what the
inputs give.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from models.units import usdc
from vaultproof.spec import (
    ModelContext,
    Obligation,
    Scope,
    code_tie,
    no_overflow,
    settled_at_build,
    zmax,
    zmin,
)

P_PPM = "LiquidationMath.PPM"
USDC, D6 = "USDC", 6
BTC, D8 = "BTC", 8
NOTIONAL_BITS = 128  # notionals are USDC units < 2**128 (the engine stores them as uint128)


def liquidation_notional(
    position: z3.ArithRef,
    min_notional: z3.ArithRef,
    max_portion_ppm: z3.ArithRef,
    block_remaining: z3.ArithRef,
    ppm: int,
    *,
    clamp_to_position: bool = True,
) -> z3.ArithRef:
    """min(position, max(minNotional, position·portion/PPM), blockRemaining), portion rounded down."""
    portion = position * max_portion_ppm / ppm
    n = zmax(portion, min_notional)
    if clamp_to_position:
        n = zmin(n, position)
    return zmin(n, block_remaining)


def liquidation_fee(
    notional: z3.ArithRef, fee_ppm: z3.ArithRef, max_fee_ppm: z3.ArithRef, ppm: int, *, capped: bool = True
) -> z3.ArithRef:
    """notional · min(feePpm, maxFeePpm) / PPM, rounded down."""
    rate = zmin(fee_ppm, max_fee_ppm) if capped else fee_ppm
    return notional * rate / ppm  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------------------
# LIQ-1 position block limits

NO_POSITION_CLAMP = "no-clamp-to-position"


def liq1(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    ppm = ctx.param(P_PPM)
    s = Scope()
    pos = usdc(s, "positionNotional")
    min_n = usdc(s, "minPositionNotionalLiquidated")
    portion = s.uint("maxPositionPortionLiquidatedPpm", 32)
    block_rem = usdc(s, "blockRemainingNotional")
    s.assume(portion <= ppm)  # the engine's setter rejects a portion above 100%
    n = s.show(
        "liquidatedNotional",
        liquidation_notional(
            pos, min_n, portion, block_rem, ppm, clamp_to_position=defect != NO_POSITION_CLAMP
        ),
        (D6, USDC),
    )
    witness = z3.And(pos > 0, min_n > pos, block_rem > min_n)
    return [
        s.obligation(
            "liquidated notional never exceeds the position",
            n <= pos,
            witness,
            "the minimum notional lifted the liquidation above the whole position",
        ),
        s.obligation(
            "respects MinPositionNotionalLiquidated (unless the position or the block limit is smaller)",
            n >= zmin(min_n, zmin(pos, block_rem)),
            z3.And(pos > min_n, min_n > 0, block_rem > pos),
        ),
        s.obligation(
            "respects MaxPositionPortionLiquidatedPpm (unless lifted to the minimum)",
            n <= zmax(min_n, pos * portion / ppm),
            z3.And(pos * portion / ppm > min_n, block_rem > pos),
        ),
        no_overflow(s, "positionNotional * maxPositionPortionLiquidatedPpm", pos * portion, pos > 0),
        *settled_at_build(s.obligation("no division by zero (PPM)", z3.IntVal(ppm) > 0)),
        *code_tie(
            ctx,
            "LiquidationMath.liquidationNotional",
            [
                z3.Int(n)
                for n in ("positionNotional", "minNotional", "maxPortionPpm", "blockRemainingNotional")
            ],
            lambda p, m, q, b: liquidation_notional(
                p, m, q, b, ppm, clamp_to_position=defect != NO_POSITION_CLAMP
            ),
            {"positionNotional": (0, 2**NOTIONAL_BITS - 1), "maxPortionPpm": (0, ppm)},
            {
                "positionNotional": (D6, USDC),
                "minNotional": (D6, USDC),
                "blockRemainingNotional": (D6, USDC),
                "ret0": (D6, USDC),
            },
        ),
    ]


# --------------------------------------------------------------------------------------------------
# LIQ-2 per-account per-block limits (induction over an account's liquidations in one block)

BLOCK_NOT_DECREMENTED = "block-limit-not-decremented"


def liq2(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """State (liquidatedThisBlock, insuranceLostThisBlock); invariant both ≤ their limits."""
    ppm = ctx.param(P_PPM)
    out: list[Obligation] = []
    s = Scope()
    max_n, max_ins = usdc(s, "maxNotionalLiquidated"), usdc(s, "maxQuantumsInsuranceLost")
    out.append(
        s.obligation(
            "first liquidation of a block: base (counters reset to 0)", z3.And(max_n >= 0, max_ins >= 0)
        )
    )

    s = Scope()
    max_n, max_ins = usdc(s, "maxNotionalLiquidated"), usdc(s, "maxQuantumsInsuranceLost")
    done, lost = usdc(s, "liquidatedThisBlock"), usdc(s, "insuranceLostThisBlock")
    pos, min_n = usdc(s, "positionNotional"), usdc(s, "minPositionNotionalLiquidated")
    portion = s.uint("maxPositionPortionLiquidatedPpm", 32)
    ins_loss = usdc(s, "insuranceLossOfThisClose")
    s.assume(done <= max_n, lost <= max_ins, portion <= ppm)
    # remaining = max > done ? max − done : 0, and the engine reverts BlockLimitReached when it is 0
    saturating = z3.If(max_n > done, max_n - done, 0)
    block_rem = s.show(
        "blockRemainingNotional", max_n if defect == BLOCK_NOT_DECREMENTED else saturating, (D6, USDC)
    )
    s.assume(block_rem > 0)
    n = s.show("liquidatedNotional", liquidation_notional(pos, min_n, portion, block_rem, ppm), (D6, USDC))
    # InsuranceLossLimit: the measured insurance decrease of this close must fit the room left (else revert)
    room = z3.If(max_ins > lost, max_ins - lost, 0)
    s.assume(ins_loss <= room)
    witness = z3.And(done > 0, n > 0, pos > max_n)
    out.append(
        s.obligation(
            "another liquidation in the block: step (Σ notional ≤ MaxNotionalLiquidated, Σ insurance lost ≤ "
            "cap)",
            z3.And(done + n <= max_n, lost + ins_loss <= max_ins),
            witness,
            "the account was liquidated beyond MaxNotionalLiquidated within one block",
        )
    )
    out.append(no_overflow(s, "liquidatedThisBlock + notional", done + n, witness))
    out.append(no_overflow(s, "insuranceLostThisBlock + lost", lost + ins_loss, witness))
    return out


# --------------------------------------------------------------------------------------------------
# LIQ-3 fee ≤ MaxLiquidationFeePpm × notional

FEE_CAP_MISSING = "fee-cap-missing"


def liq3(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    ppm = ctx.param(P_PPM)
    s = Scope()
    notional = usdc(s, "fillQuoteValue")
    fee_ppm, max_fee = s.uint("liquidationFeePpm", 32), s.uint("maxLiquidationFeePpm", 32)
    s.assume(max_fee <= ppm, fee_ppm <= ppm)
    fee = s.show(
        "fee", liquidation_fee(notional, fee_ppm, max_fee, ppm, capped=defect != FEE_CAP_MISSING), (D6, USDC)
    )
    return [
        s.obligation(
            "fee ≤ MaxLiquidationFeePpm × notional / 1e6",
            z3.And(fee * ppm <= max_fee * notional, fee >= 0, fee <= notional),
            z3.And(notional > 0, fee_ppm > max_fee),
            "the fee rate was not capped at MaxLiquidationFeePpm",
        ),
        no_overflow(s, "notional * min(feePpm, maxFeePpm)", notional * zmin(fee_ppm, max_fee), notional > 0),
        *code_tie(
            ctx,
            "LiquidationMath.liquidationFee",
            [z3.Int(n) for n in ("notional", "feePpm", "maxFeePpm")],
            lambda n, f, m: liquidation_fee(n, f, m, ppm, capped=defect != FEE_CAP_MISSING),
            {"notional": (0, 2**NOTIONAL_BITS - 1), "feePpm": (0, ppm), "maxFeePpm": (0, ppm)},
            {"notional": (D6, USDC), "ret0": (D6, USDC)},
        ),
    ]


# --------------------------------------------------------------------------------------------------
# LIQ-4 eligibility and cooldown

NON_STRICT = "liquidates-at-equality"


def liq4(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """QuantumRiskEngine.isLiquidatable: ``eq < 0 || uint256(eq) < mm`` (= equity < mm over the integers);
    LiquidationEngine._size: a PARTIAL liquidation of a position partially liquidated at ``last ≠ 0``
    reverts before ``last + cooldown``; a full liquidation is never blocked."""
    s = Scope()
    equity = s.sint("equity18", 256, (18, "USD"))
    mm = s.uint("maintenanceMargin18", 256, (18, "USD"))
    now = s.uint("blockTimestamp", 64)
    last = s.uint("lastPartialLiquidationAt", 64)
    cooldown = s.uint("partialLiquidationCooldown", 64)
    partial = s.boolean("isPartial")
    at_most = equity <= mm if defect == NON_STRICT else equity < mm
    liquidatable = z3.Or(equity < 0, at_most)
    blocked = z3.And(partial, last != 0, now < last + cooldown)
    allowed = z3.And(liquidatable, z3.Not(blocked))
    s.show("availableAt", last + cooldown)
    return [
        s.obligation(
            "liquidation allowed ⇒ equity < maintenance margin",
            z3.Implies(allowed, equity < mm),
            z3.And(equity == mm, z3.Not(partial)),
            "an account with equity exactly equal to its maintenance margin was liquidated",
        ),
        s.obligation(
            "equity < maintenance margin ⇒ a full liquidation is allowed (never blocked by the cooldown)",
            z3.Implies(z3.And(equity < mm, z3.Not(partial)), allowed),
            z3.And(equity < mm, last != 0, now < last + cooldown),
        ),
        s.obligation(
            "a partial liquidation of a recently partially liquidated position waits the cooldown",
            z3.Implies(z3.And(allowed, partial, last != 0), now >= last + cooldown),
            z3.And(partial, last != 0, equity < mm),
        ),
        s.obligation(
            "equity < maintenance margin ∧ cooldown elapsed ⇒ a partial liquidation is allowed",
            z3.Implies(z3.And(equity < mm, z3.Or(last == 0, now >= last + cooldown)), allowed),
            z3.And(partial, equity < mm),
        ),
        no_overflow(s, "lastPartialLiquidationAt + cooldown", last + cooldown),
    ]


# --------------------------------------------------------------------------------------------------
# LIQ-5 seed 004's three cases


@dataclass(frozen=True)
class Case:
    """One seed-004 case in token units (USDC 6 dp, BTC 8 dp). Balances are signed quote balances."""

    name: str
    liquidated: str  # who is liquidated
    counterparty: str
    liquidated_is_long: bool
    size: int  # liquidated account's position, base units
    balance: int  # liquidated account's quote balance
    counterparty_balance: int
    counterparty_size: int
    fill_price: int  # USDC units per whole BTC
    oracle: int
    min_notional: int
    max_portion_ppm: int
    max_notional_block: int
    fee_ppm: int  # 0.5%: cases 1 and 2 state 250 on 50,000 and 25 on 5,000


UNLIMITED = 2**NOTIONAL_BITS - 1
K = 10**D6
CASES: tuple[Case, ...] = (
    Case(
        "case 1 (short, MinPositionNotionalLiquidated)",
        "Carl",
        "Dave",
        False,
        10**D8,
        50_499 * K,
        50_000 * K,
        10**D8,
        50_000 * K,
        50_000 * K,
        100_000 * K,
        10_000,
        UNLIMITED,
        5_000,
    ),
    Case(
        "case 2 (long, MaxPositionPortionLiquidatedPpm)",
        "Dave",
        "Carl",
        True,
        10**D8,
        -49_501 * K,
        100_000 * K,
        10**D8,
        50_000 * K,
        50_000 * K,
        1_000 * K,
        100_000,
        UNLIMITED,
        5_000,
    ),
    Case(
        "case 3 (short, MaxNotionalLiquidated)",
        "Carl",
        "Dave",
        False,
        10**D8,
        50_499 * K,
        50_000 * K,
        10**D8,
        49_500 * K,
        50_000 * K,
        0,
        1_000_000,
        5_000 * K,
        5_000,
    ),
)


@dataclass(frozen=True)
class CaseTerms:
    notional: z3.ArithRef
    size: z3.ArithRef
    quote_value: z3.ArithRef
    fee: z3.ArithRef
    balance_after: z3.ArithRef
    counterparty_after: z3.ArithRef
    position_after: z3.ArithRef
    counterparty_position_after: z3.ArithRef
    insurance_delta: z3.ArithRef


def case_terms(
    s: Scope, case: Case, ppm: int, *, balance: int | None = None, block_limit: bool = True
) -> CaseTerms:
    """The engine's arithmetic for one liquidation of ``case`` (inputs become pinned variables)."""

    def pinned(name: str, value: int, bits: int, dec: int, unit: str, signed: bool = False) -> z3.ArithRef:
        var = s.sint(name, bits, (dec, unit)) if signed else s.uint(name, bits, (dec, unit))
        s.assume(var == value)
        return var

    who, cp = case.liquidated, case.counterparty
    size = pinned(f"{who}.positionSize", case.size, 128, D8, BTC)
    bal = pinned(f"{who}.balance", case.balance if balance is None else balance, 256, D6, USDC, signed=True)
    cp_bal = pinned(f"{cp}.balance", case.counterparty_balance, 256, D6, USDC, signed=True)
    cp_size = pinned(f"{cp}.positionSize", case.counterparty_size, 128, D8, BTC)
    fill = pinned("fillPrice", case.fill_price, 128, D6, "USDC/BTC")
    oracle = pinned("oraclePrice", case.oracle, 128, D6, "USDC/BTC")
    min_n = pinned("minPositionNotionalLiquidated", case.min_notional, 128, D6, USDC)
    portion = pinned("maxPositionPortionLiquidatedPpm", case.max_portion_ppm, 32, 0, "")
    block = pinned("maxNotionalLiquidated", case.max_notional_block, 128, D6, USDC)
    fee_ppm = pinned("liquidationFeePpm", case.fee_ppm, 32, 0, "")
    unit = 10**D8
    position_notional = size * oracle / unit
    limit = block if block_limit else z3.IntVal(UNLIMITED)
    notional = s.show(
        "liquidatedNotional", liquidation_notional(position_notional, min_n, portion, limit, ppm), (D6, USDC)
    )
    # LiquidationEngine._size: the whole position when the notional is all of it, else pro rata (down)
    liq_size = s.show(
        "liquidatedSize",
        z3.If(notional == position_notional, size, size * notional / position_notional),
        (D8, BTC),
    )
    quote_value = s.show("fillQuoteValue", liq_size * fill / unit, (D6, USDC))
    fee = s.show("fee", liquidation_fee(quote_value, fee_ppm, fee_ppm, ppm), (D6, USDC))
    if case.liquidated_is_long:  # sells to the counterparty
        after, cp_after = bal + quote_value - fee, cp_bal - quote_value
    else:  # buys back from the counterparty
        after, cp_after = bal - quote_value - fee, cp_bal + quote_value
    return CaseTerms(
        notional=notional,
        size=liq_size,
        quote_value=quote_value,
        fee=fee,
        balance_after=s.show(f"{who}.balanceAfter", after, (D6, USDC)),
        counterparty_after=s.show(f"{cp}.balanceAfter", cp_after, (D6, USDC)),
        position_after=s.show(f"{who}.positionAfter", size - liq_size, (D8, BTC)),
        counterparty_position_after=s.show(f"{cp}.positionAfter", cp_size - liq_size, (D8, BTC)),
        insurance_delta=s.show("insuranceChange", fee, (D6, USDC)),
    )


# expected outputs, derived from each case's INPUTS (where the document's text differs, see findings)
EXPECTED: dict[str, dict[str, int]] = {
    CASES[0].name: {
        "size": 10**D8,
        "after": 249 * K,
        "cp_after": 100_000 * K,
        "pos": 0,
        "cp_pos": 0,
        "ins": 250 * K,
    },
    CASES[1].name: {
        "size": 10**7,
        "after": -44_526 * K,
        "cp_after": 95_000 * K,
        "pos": 9 * 10**7,
        "cp_pos": 9 * 10**7,
        "ins": 25 * K,
    },
    CASES[2].name: {
        "size": 10**7,
        "after": 45_524_250_000,
        "cp_after": 54_950 * K,
        "pos": 9 * 10**7,
        "cp_pos": 9 * 10**7,
        "ins": 24_750_000,
    },
}

NO_BLOCK_LIMIT = "max-notional-per-block-ignored"


def liq5(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    ppm = ctx.param(P_PPM)
    out: list[Obligation] = []
    for case in CASES:
        s = Scope()
        t = case_terms(s, case, ppm, block_limit=defect != NO_BLOCK_LIMIT)
        exp = EXPECTED[case.name]
        size = t.size
        out.append(
            s.obligation(
                f"seed 004 {case.name}: liquidated size, balances, positions, insurance change",
                z3.And(
                    size == exp["size"],
                    t.balance_after == exp["after"],
                    t.counterparty_after == exp["cp_after"],
                    t.position_after == exp["pos"],
                    t.counterparty_position_after == exp["cp_pos"],
                    t.insurance_delta == exp["ins"],
                ),
                z3.BoolVal(True),
                f"the model does not reproduce {case.name}",
            )
        )
    return out


def seed_case3_fill(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """Document: 'Dave bán 1 BTC ở 49,500' but 'Carl Balance: 50,499 - 5,000 - 25 = 45,474'."""
    s = Scope()
    t = case_terms(s, CASES[2], ctx.param(P_PPM))
    s.show("document.fillCost", z3.IntVal(5_000 * K), (D6, USDC))
    s.show("document.Carl.balanceAfter", z3.IntVal(45_474 * K), (D6, USDC))
    return [
        s.obligation(
            "case 3: the 0.1 BTC bought at the 49,500 fill costs the document's 5,000 USDC and leaves 45,474",
            z3.And(t.quote_value == 5_000 * K, t.balance_after == 45_474 * K),
            z3.BoolVal(True),
            "with the inputs, 0.1 BTC at 49,500 costs 4,950 USDC (not 5,000): Carl ends at 45,524.25, not "
            "45,474",
        )
    ]


def seed_case3_fee(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """The fee rate of cases 1 and 2 (0.5%, MaxLiquidationFeePpm 5,000) applied to case 3's fill value."""
    s = Scope()
    t = case_terms(s, CASES[2], ctx.param(P_PPM))
    s.show("document.fee", z3.IntVal(25 * K), (D6, USDC))
    return [
        s.obligation(
            "case 3: the liquidation fee is the document's 25 USDC",
            t.fee == 25 * K,
            z3.BoolVal(True),
            "0.5% of the 4,950 USDC fill value is 24.75 USDC; the document's 25 is 0.5% of the 5,000 oracle "
            "notional",
        )
    ]


def seed_case2_sign(ctx: ModelContext, defect: str | None = None) -> list[Obligation]:
    """Document lists Dave's collateral as 49,501 but computes with −49,501."""
    s = Scope()
    t = case_terms(s, CASES[1], ctx.param(P_PPM), balance=49_501 * K)
    s.show("document.Dave.balanceAfter", z3.IntVal(-44_526 * K), (D6, USDC))
    equity = s.show(
        "Dave.equityBefore", z3.IntVal(49_501 * K + CASES[1].size * CASES[1].oracle // 10**D8), (D6, USDC)
    )
    return [
        s.obligation(
            "case 2: with the listed input (Dave +49,501 USDC) the output is the document's −44,526 USDC",
            t.balance_after == -44_526 * K,
            z3.BoolVal(True),
            "with +49,501 as listed, Dave ends at 54,476 USDC and his equity is 99,501 USDC ≥ his 50,000 "
            "position notional, so he is not undercollateralized; the document computes with −49,501",
        ),
        s.obligation(
            "case 2: with the listed input Dave is undercollateralized (equity below the position notional)",
            equity < CASES[1].size * CASES[1].oracle // 10**D8,
            z3.BoolVal(True),
            "equity 99,501 USDC exceeds the 50,000 USDC notional: no maintenance margin ≤ 100% makes Dave "
            "liquidatable",
        ),
    ]

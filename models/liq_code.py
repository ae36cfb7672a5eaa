"""LIQ code obligations: the stages of the liquidation model as pre/post contracts of the engine's functions.

Each function executes one internal function of ``LiquidationEngine`` as its own entry over the shipped
SlithIR: the running liquidation order ``o`` (``Order memory``, with its ``Tier[]`` margin table), the
result ``r`` and the fill ``f`` are fresh memory values of their types — every order state the walk can be
in — and the engine's storage is its real storage. Calls through the order's ``arch`` (an address in
memory, bound by no deployment entry) are unknown code: any answer, may revert, writes nothing of the
engine's (``liquidate`` is ``nonReentrant``; ``syncRisk`` is a no-op inside it). The QRE is taken as unknown
code here too (its reports change nothing of the engine's).

Stages (the model's, in ``models/liq.py``):

* ``_admit`` — MaxQuantumsInsuranceLost per fill (LIQ-7): a fill is rejected iff d < 0 and used − d > limit;
  a rejected fill leaves the account's running loss and the fill unchanged and marks the stop; an admitted
  one keeps used ≤ limit (the inductive step) and books lost = −d; the rule never reverts in range. Its fee
  (LIQ-3, LIQ-6): fee = min(⌊q·min(feePpm, maxFeePpm)/1e6⌋, d) for d > 0, else 0; fee·1e6 ≤ maxFeePpm·q.
* ``_priceFill`` — the fill at the bankruptcy price (LIQ-6): the quote rounds against the liquidated side,
  v = DNNV (oracle value before − after), and d = ±(q − v) + share with share·TMMR ≤ TNC·ΔMMR <
  (share + 1)·TMMR (dYdX's Euclidean division).
* ``_record`` — the order's running state (LIQ-1, LIQ-2): counted notional = min(v, notional left), so
  counted + left is conserved and left never grows; filled + remaining is conserved; the liquidated side's
  quote moves by q ∓ fee; Σ lost grows by this fill's lost.
* ``_size`` — sizing under the block limits and the cooldown (LIQ-1, LIQ-2, LIQ-4): the order's notional is
  ``liquidationNotional`` of the position at the oracle, ≤ what is left of MaxNotionalLiquidated for the
  account in this block (the counters reset on the first liquidation of a block); the order starts with the
  account's insurance loss of this block; a partial order is only sized after the cooldown.
* ``_settleUser`` — the block counters (LIQ-2): notionalLiquidated grows by the order's counted notional,
  insuranceLost becomes the order's running loss (the fills' −d).
* ``_backstop`` — the remainder at the oracle under the same rule (LIQ-7): rejected → nothing is taken and
  nothing reverts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import z3

from models.code_common import USDC, Shown, bounded, code_of
from vaultproof.spec import ModelContext, Obligation, default_first, uninterpreted

LE = "LiquidationEngine"
PPM = 1_000_000
STOP_INSURANCE_LIMIT = 2  # ILiquidationEngine.Stop.INSURANCE_LIMIT
BOUND = 2**128
MAX_TIERS = 16  # MarginTable.MAX_TIERS


def _run(ctx: ModelContext, fn: str, label: str | None = None, extra_loops: Any = None, **kw: Any) -> Any:
    from vaultproof.spec import Havoc, Unroll, execute

    code = code_of(ctx)
    # the QRE is unknown code for these stages (its reports and views change nothing of the engine's)
    deployment = {k: v for k, v in ctx.deployment.items() if k != f"{LE}.qre"}
    loops = {
        "MarginTable.tierIndex:44": Unroll(MAX_TIERS),
        f"{LE}._syncRisk:263": Unroll(ctx.param(f"{LE}.MAX_ARCHS")),
        **(extra_loops or {}),
    }
    return execute(
        code, f"{LE}.{fn}", deployment=deployment, havoc={"*": Havoc()}, loops=loops, label=label, **kw
    )


def _m(ex: Any, arg: str | int, *path: Any, before: bool = False) -> Any:
    return ex.memory(arg, *path, before=before)


def _order_ranges(ex: Any, *fields: str) -> list[z3.BoolRef]:
    """The order's amounts below 2^128 (declared ranges), TNC in (−2^128, 2^128), a base unit ≥ 1."""
    out = [_m(ex, "o", f, before=True) < BOUND for f in fields]
    if "tnc" in fields:
        out.append(_m(ex, "o", "tnc", before=True) > -BOUND)
    return out


# --------------------------------------------------------------------------------------------- _admit


def _admit(ctx: ModelContext) -> tuple[Any, dict[str, Any], Shown]:
    ex = _run(ctx, "_admit", label="admit")
    v = {
        "d": _m(ex, "f", "delta", before=True),
        "q": _m(ex, "f", "quote", before=True),
        "used": _m(ex, "o", "insuranceUsed", before=True),
        "used'": _m(ex, "o", "insuranceUsed"),
        "lost'": _m(ex, "f", "lost"),
        "fee'": _m(ex, "f", "fee"),
        "stop'": _m(ex, "r", "stop"),
        "limit": ex.before(LE, "maxQuantumsInsuranceLost"),
        "feePpm": ex.before(LE, "liquidationFeePpm"),
        "maxFeePpm": ex.before(LE, "maxLiquidationFeePpm"),
        "ok": ex.ret("ok"),
    }
    shown = Shown()
    shown.add("f.quote (argument)", v["q"], USDC)
    shown.add("f.delta (argument)", v["d"], USDC)
    shown.add("account's insurance loss this block before (o.insuranceUsed)", v["used"], USDC)
    shown.add("MaxQuantumsInsuranceLost", v["limit"], USDC)
    shown.add("LiquidationFeePpm", v["feePpm"])
    shown.add("MaxLiquidationFeePpm", v["maxFeePpm"])
    shown.add("admitted (returned)", v["ok"])
    shown.add("o.insuranceUsed after", v["used'"], USDC)
    shown.add("f.lost after", v["lost'"], USDC)
    shown.add("f.fee after", v["fee'"], USDC)
    shown.add("r.stop after (2 = INSURANCE_LIMIT)", v["stop'"])
    return ex, v, shown


def _admit_ranges(v: dict[str, Any]) -> list[z3.BoolRef]:
    """|d| < 2^130; used, limit, quotes < 2^128; fee rates ≤ 1e6 (the setters revert otherwise)."""
    return [
        v["d"] < 2**130,
        v["d"] > -(2**130),
        *bounded(v["used"], v["limit"], v["q"]),
        v["feePpm"] <= PPM,
        v["maxFeePpm"] <= PPM,
    ]


def admit_limit_code(ctx: ModelContext) -> list[Obligation]:
    """LIQ-7 on ``_admit``: the insurance-loss limit per fill (rejection, the inductive step, no revert)."""
    from vaultproof.spec import code_obligation

    ex, v, shown = _admit(ctx)
    d, used, limit = v["d"], v["used"], v["limit"]
    loss = z3.If(d < 0, -d, 0)
    reject = z3.And(d < 0, used + loss > limit)
    ranges = _admit_ranges(v)
    return [
        code_obligation(
            "code: LiquidationEngine._admit rejects a fill iff its loss −d exceeds what is left of "
            "MaxQuantumsInsuranceLost; a rejected fill leaves the account's loss unchanged and stops the "
            "walk",
            ex,
            z3.Implies(
                ex.ok,
                z3.And(
                    v["ok"] == z3.Not(reject),
                    z3.Implies(
                        z3.Not(v["ok"]), z3.And(v["used'"] == used, v["stop'"] == STOP_INSURANCE_LIMIT)
                    ),
                ),
            ),
            assumptions=ranges,
            witness=z3.And(ex.ok, z3.Not(v["ok"])),
            shown=shown.tuple(),
            explanation="a fill that fits the insurance-loss limit was rejected, or one that does not was "
            "admitted, or a rejection changed the account's running insurance loss",
        ),
        code_obligation(
            "code: LiquidationEngine._admit keeps the account's insurance loss within the limit (step: "
            "used ≤ "
            "limit ⇒ used' = used + lost ≤ limit, lost = −d for d < 0, else 0)",
            ex,
            z3.Implies(
                z3.And(ex.ok, v["ok"]),
                z3.And(v["used'"] == used + loss, v["lost'"] == loss, v["used'"] <= limit),
            ),
            assumptions=[used <= limit, *ranges],
            witness=z3.And(ex.ok, v["ok"], d < 0),
            shown=shown.tuple(),
            explanation="an admitted fill took the account's insurance loss in this block past "
            "MaxQuantumsInsuranceLost, or booked a loss other than −d",
        ),
        code_obligation(
            "code: LiquidationEngine._admit never reverts in range (the limit rejects the fill, it does not "
            "revert the liquidation)",
            ex,
            ex.ok,
            assumptions=ranges,
            witness=z3.BoolVal(True),
            shown=shown.tuple(),
            explanation="the insurance-loss rule reverted: the whole liquidation would revert",
        ),
    ]


def admit_fee_code(ctx: ModelContext) -> list[Obligation]:
    """LIQ-3 / LIQ-6 on ``_admit``: fee = min(cap, d) for d > 0, else 0; fee·1e6 ≤ maxFeePpm·q."""
    from vaultproof.spec import code_obligation

    ex, v, shown = _admit(ctx)
    d, q = v["d"], v["q"]
    rate = z3.If(v["feePpm"] < v["maxFeePpm"], v["feePpm"], v["maxFeePpm"])
    cap = q * rate / PPM
    fee = v["fee'"]
    ranges = _admit_ranges(v)
    return [
        code_obligation(
            "code: LiquidationEngine._admit charges fee = min(⌊q·min(feePpm, maxFeePpm)/1e6⌋, d) for d > 0, "
            "0 for d ≤ 0",
            ex,
            z3.Implies(z3.And(ex.ok, v["ok"]), fee == z3.If(d > 0, z3.If(cap < d, cap, d), 0)),
            assumptions=ranges,
            witness=z3.And(ex.ok, v["ok"], d > 0, d < cap),
            shown=shown.tuple(),
            explanation="the fee is not dYdX's min(cap, insurance delta): it can take the account below "
            "its bankruptcy line",
        ),
        code_obligation(
            "code: LiquidationEngine._admit's fee ≤ MaxLiquidationFeePpm × the fill's quote (and ≤ d)",
            ex,
            z3.Implies(
                z3.And(ex.ok, v["ok"]),
                z3.And(fee >= 0, fee * PPM <= v["maxFeePpm"] * q, z3.Implies(fee > 0, fee <= d)),
            ),
            assumptions=ranges,
            witness=z3.And(ex.ok, v["ok"], fee > 0),
            shown=shown.tuple(),
            explanation="a fill's fee exceeds MaxLiquidationFeePpm of its quote",
        ),
    ]


# ----------------------------------------------------------------------------------------- _priceFill


def _tier_margin_unknown(view: Any) -> Any:
    """``MarginTable.tierMaintenance`` as any uint256, reverting or not (a superset of what it does)."""
    from vaultproof.spec import SummaryResult

    tag = view.executor.fresh_name("tierMaintenance")
    margin = z3.Int(tag)
    return SummaryResult(
        returns=(margin,), reverts=z3.Bool(f"{tag}.reverts"), ensures=z3.And(margin >= 0, margin < 2**256)
    )


class _FillTerms:
    """The quantities of one ``_priceFill`` execution LIQ-6 speaks about, their ranges and how they show."""

    def __init__(self, ex: Any) -> None:
        self.ex = ex
        self.qty, self.price = ex.arg("qty"), ex.arg("price")
        self.is_long = _m(ex, "o", "isLong", before=True)
        self.unit, self.mark, self.size = (_m(ex, "o", f, before=True) for f in ("unit", "mark", "size"))
        self.tnc, self.tmmr = _m(ex, "o", "tnc", before=True), _m(ex, "o", "tmmr", before=True)
        fill = ("quote", "value", "dmmr", "delta")
        self.q, self.value, self.dmmr, self.delta = (_m(ex, 0, f) for f in fill)
        self.share = z3.If(self.is_long, self.delta - self.q + self.value, self.delta - self.value + self.q)
        self.ranges = [
            self.unit >= 1,
            self.unit <= 10**30,
            self.qty <= self.size,
            self.tmmr > 0,
            self.tmmr < BOUND,
            self.tnc > -BOUND,
            self.tnc < BOUND,
            *bounded(self.qty, self.price, self.size, self.mark),
            _m(ex, "o", "tiers", "length", before=True) <= MAX_TIERS,
        ]
        shown = Shown()
        shown.add("isLong (o.isLong)", self.is_long)
        shown.add("qty (argument)", self.qty)
        shown.add("price (argument)", self.price, USDC)
        shown.add("o.size before (base units)", self.size)
        shown.add("o.unit", self.unit)
        shown.add("o.mark (oracle)", self.mark, USDC)
        shown.add("o.tnc (TNC, 18 dp)", self.tnc)
        shown.add("o.tmmr (TMMR, 18 dp)", self.tmmr)
        shown.add("f.quote after", self.q, USDC)
        shown.add("f.value (DNNV) after", self.value, USDC)
        shown.add("f.dmmr (ΔMMR) after", self.dmmr, USDC)
        shown.add("f.delta after", self.delta, USDC)
        self.shown = shown.tuple()

    def obligation(self, what: str, goal: Any, why: str) -> Obligation:
        from vaultproof.spec import code_obligation

        return code_obligation(
            f"code: LiquidationEngine._priceFill: {what}",
            self.ex,
            z3.Implies(self.ex.ok, goal),
            assumptions=self.ranges,
            witness=z3.And(self.ex.ok, self.qty > 0, self.tnc < 0),
            shown=self.shown,
            explanation=why,
        )


def price_fill_code(ctx: ModelContext) -> list[Obligation]:
    """LIQ-6 on ``_priceFill``: the quote's rounding, DNNV, and d at the bankruptcy price."""
    from vaultproof.spec import check_obligations

    ex = _run(ctx, "_priceFill", label="priceFill")
    t = _FillTerms(ex)
    qty, price, unit, q, mark = t.qty, t.price, t.unit, t.q, t.mark
    obs = [
        t.obligation(
            "the quote rounds against the liquidated side (a long receives ⌊qty·price/unit⌋, a short pays "
            "⌈qty·price/unit⌉)",
            z3.And(
                z3.If(t.is_long, q * unit <= qty * price, q * unit >= qty * price),
                z3.If(t.is_long, qty * price < (q + 1) * unit, qty * price > (q - 1) * unit),
            ),
            "the fill's quote rounds in the liquidated side's favour",
        ),
        t.obligation(
            "v = DNNV, the oracle value of the position before minus after the fill",
            t.value == t.size * mark / unit - (t.size - qty) * mark / unit,
            "the fill's oracle value is not the difference of the position's notionals",
        ),
    ]
    # The share's rounding holds for every ΔMMR, so its obligation runs _priceFill with the tier margin
    # (TIER-1/TIER-2's subject, proved on its own code) as any uint256 that may revert: the executions left
    # are a superset of the real ones. With the two tiers' products in it the query cost Z3 70 M rlimit
    # in one term order and over 300 M in another; without them it is linear but for the share itself.
    s = _FillTerms(_run(ctx, "_priceFill", label="priceFillShare", internal_summaries=_ANY_TIER_MARGIN))
    obs.append(
        s.obligation(
            "d = ±(q − v) + share, share = TNC·ΔMMR/TMMR rounded toward −∞ (share·TMMR ≤ TNC·ΔMMR < "
            "(share+1)·TMMR)",
            z3.And(s.share * s.tmmr <= s.tnc * s.dmmr, s.tnc * s.dmmr < (s.share + 1) * s.tmmr),
            "the fill's insurance delta is not the fill quote minus the bankruptcy quote of the filled size",
        )
    )
    # the margin-table loop is exhaustive for a validated table (≤ MAX_TIERS tiers); an arithmetic check
    # that fires on an unvalidated table reverts the fill, so it cannot make a goal above false
    return [*obs, *check_obligations(ex, kinds=("loop-bound",), assumptions=t.ranges, label="_priceFill")]


_ANY_TIER_MARGIN = {"MarginTable.tierMaintenance": _tier_margin_unknown}


# -------------------------------------------------------------------------------------------- _record


def record_code(ctx: ModelContext) -> list[Obligation]:
    """LIQ-1 / LIQ-2 on ``_record``: the order's running state after an admitted fill."""
    from vaultproof.spec import code_obligation

    ex = _run(ctx, "_record", label="record")
    qty = ex.arg("qty")
    b = {k: _m(ex, "o", k, before=True) for k in ("notionalLeft", "remaining", "size", "userQuote", "isLong")}
    a = {k: _m(ex, "o", k) for k in ("notionalLeft", "remaining", "size", "userQuote")}
    rb = {k: _m(ex, "r", k, before=True) for k in ("notional", "size", "insuranceLost", "fills")}
    ra = {k: _m(ex, "r", k) for k in ("notional", "size", "insuranceLost", "fills")}
    f = {k: _m(ex, "f", k, before=True) for k in ("value", "quote", "fee", "lost")}
    shown = Shown()
    shown.add("qty (argument)", qty)
    for k in ("value", "quote", "fee", "lost"):
        shown.add(f"f.{k}", f[k], USDC)
    for k in ("notionalLeft", "userQuote"):
        shown.add(f"o.{k} before", b[k], USDC)
        shown.add(f"o.{k} after", a[k], USDC)
    shown.add("o.remaining before", b["remaining"])
    shown.add("o.remaining after", a["remaining"])
    shown.add("r.notional before", rb["notional"], USDC)
    shown.add("r.notional after", ra["notional"], USDC)
    shown.add("r.size before", rb["size"])
    shown.add("r.size after", ra["size"])
    counted = z3.If(f["value"] < b["notionalLeft"], f["value"], b["notionalLeft"])
    goal = z3.And(
        ra["notional"] == rb["notional"] + counted,
        ra["notional"] + a["notionalLeft"] == rb["notional"] + b["notionalLeft"],
        a["notionalLeft"] <= b["notionalLeft"],
        a["remaining"] == b["remaining"] - qty,
        ra["size"] + a["remaining"] == rb["size"] + b["remaining"],
        a["size"] == b["size"] - qty,
        ra["fills"] == rb["fills"] + 1,
        ra["insuranceLost"] == rb["insuranceLost"] + f["lost"],
        a["userQuote"] == b["userQuote"] + z3.If(b["isLong"], f["quote"] - f["fee"], f["quote"] + f["fee"]),
    )
    return [
        code_obligation(
            "code: LiquidationEngine._record books a fill: counted notional = min(v, left) (counted + left "
            "conserved), filled + remaining conserved, the liquidated side's quote moves by q ∓ fee",
            ex,
            z3.Implies(ex.ok, goal),
            witness=z3.And(ex.ok, qty > 0, f["value"] > b["notionalLeft"]),
            shown=shown.tuple(),
            explanation="a fill was booked against the order's notional or size other than by its own "
            "counted value and quantity",
        )
    ]


# ---------------------------------------------------------------------------------------------- _size


def _block_used(ex: Any, user: Any, var: str, post: bool = False) -> Any:
    read = ex.post if post else ex.before
    return z3.If(
        read(LE, "_accountBlocks", user, "blockNumber") == ex.env["block.number"],
        read(LE, "_accountBlocks", user, var),
        0,
    )


def size_code(ctx: ModelContext) -> list[Obligation]:
    """LIQ-1 / LIQ-2 / LIQ-4 on ``_size``: the order under the position and account block limits, and the
    partial-liquidation cooldown."""
    from vaultproof.spec import code_obligation

    ex = _run(ctx, "_size", label="size")
    user = _m(ex, "o", "user", before=True)
    pos_key = _m(ex, "o", "posKey", before=True)
    size, mark, unit = (_m(ex, "o", k) for k in ("startSize", "mark", "unit"))
    left, requested, remaining = (
        _m(ex, "o", "notionalLeft"),
        _m(ex, "r", "requested"),
        _m(ex, "o", "remaining"),
    )
    minimum = ex.before(LE, "minPositionNotionalLiquidated")
    portion = ex.before(LE, "maxPositionPortionLiquidatedPpm")
    cap = ex.before(LE, "maxNotionalLiquidated")
    used = _block_used(ex, user, "notionalLiquidated")
    lost = _block_used(ex, user, "insuranceLost")
    last = ex.before(LE, "lastPartialLiquidationAt", pos_key)
    cooldown = ex.before(LE, "partialLiquidationCooldown")
    now = ex.env["block.timestamp"]
    notional = size * mark / unit
    shown = Shown()
    shown.add("o.user (argument)", user)
    shown.add("block.number", ex.env["block.number"])
    shown.add("block.timestamp", now)
    shown.add("position size (arch, base units)", size)
    shown.add("oracle mark", mark, USDC)
    shown.add("unit (10**baseDecimals)", unit)
    shown.add("MinPositionNotionalLiquidated", minimum, USDC)
    shown.add("MaxPositionPortionLiquidatedPpm", portion)
    shown.add("MaxNotionalLiquidated", cap, USDC)
    shown.add("account's notional liquidated this block before", used, USDC)
    shown.add("account's insurance loss this block before", lost, USDC)
    shown.add("lastPartialLiquidationAt", last)
    shown.add("partialLiquidationCooldown", cooldown)
    shown.add("o.notionalLeft (the order's notional)", left, USDC)
    shown.add("r.requested (base units)", requested)
    shown.add("o.insuranceUsed after", _m(ex, "o", "insuranceUsed"), USDC)
    shown.add("account block after", ex.post(LE, "_accountBlocks", user, "blockNumber"))
    ranges = [
        *bounded(
            ex.before(LE, "_accountBlocks", user, "notionalLiquidated"),
            ex.before(LE, "_accountBlocks", user, "insuranceLost"),
            minimum,
            cooldown,
            last,
        ),
        portion <= PPM,
        last <= now,
    ]
    positions = [size < BOUND, mark < BOUND]
    out = [
        code_obligation(
            "code: LiquidationEngine._size: the order's notional is within the position block limits and "
            "never exceeds the position (size = position·n/notional, rounded down)",
            ex,
            z3.Implies(
                ex.ok,
                z3.And(
                    left <= notional,
                    left <= z3.If(notional * portion / PPM > minimum, notional * portion / PPM, minimum),
                    z3.Or(left >= z3.If(minimum < notional, minimum, notional), left == cap - used),
                    requested <= size,
                    remaining == requested,
                    requested * notional <= size * left,
                    _m(ex, "o", "size") == size,
                ),
            ),
            assumptions=[*ranges, *positions],
            witness=z3.And(ex.ok, left < notional, requested > 0),
            shown=shown.tuple(),
            explanation="the liquidation order exceeds the position or the position block limits",
        ),
        code_obligation(
            "code: LiquidationEngine._size sizes against what is left of MaxNotionalLiquidated for the "
            "account in this block (BlockLimitReached at 0)",
            ex,
            z3.Implies(ex.ok, z3.And(used < cap, left <= cap - used)),
            assumptions=[*ranges, *positions],
            witness=z3.And(ex.ok, used > 0),
            shown=shown.tuple(),
            explanation="a liquidation is sized against more than what is left of the account's block limit",
        ),
        code_obligation(
            "code: LiquidationEngine._size resets the account's block counters on its first liquidation of a "
            "block and starts the order with the account's insurance loss of this block",
            ex,
            z3.Implies(
                ex.ok,
                z3.And(
                    _m(ex, "o", "insuranceUsed") == lost,
                    ex.post(LE, "_accountBlocks", user, "blockNumber") == ex.env["block.number"],
                    _block_used(ex, user, "notionalLiquidated", post=True) == used,
                    _block_used(ex, user, "insuranceLost", post=True) == lost,
                ),
            ),
            assumptions=[*ranges, *positions],
            witness=z3.And(ex.ok, used > 0),
            shown=shown.tuple(),
            explanation="the account's block counters were not carried (same block) or reset (new block)",
        ),
        code_obligation(
            "code: LiquidationEngine._size sizes a partial liquidation only after the cooldown",
            ex,
            z3.Implies(z3.And(ex.ok, requested < size), z3.Or(last == 0, now >= last + cooldown)),
            assumptions=[*ranges, *positions],
            witness=z3.And(ex.ok, requested < size, last > 0),
            shown=shown.tuple(),
            explanation="a partial liquidation was sized inside the partial-liquidation cooldown",
        ),
    ]
    return out


# ---------------------------------------------------------------------------------------- _settleUser


def settle_code(ctx: ModelContext) -> list[Obligation]:
    """LIQ-2 on ``_settleUser``: the account's block counters after the walk."""
    from vaultproof.spec import check_obligations, code_obligation

    ex = _run(ctx, "_settleUser", label="settle")
    user = _m(ex, "o", "user", before=True)
    notional, used = _m(ex, "r", "notional", before=True), _m(ex, "o", "insuranceUsed", before=True)
    before = ex.before(LE, "_accountBlocks", user, "notionalLiquidated")
    shown = Shown()
    shown.add("o.user (argument)", user)
    shown.add("r.notional (the order's counted notional)", notional, USDC)
    shown.add("o.insuranceUsed (the order's running insurance loss)", used, USDC)
    shown.add("notionalLiquidated before", before, USDC)
    shown.add("notionalLiquidated after", ex.post(LE, "_accountBlocks", user, "notionalLiquidated"), USDC)
    shown.add("insuranceLost after", ex.post(LE, "_accountBlocks", user, "insuranceLost"), USDC)
    ranges = [
        *bounded(notional, used, before),
        ex.before(LE, "archs", "length") <= ctx.param(f"{LE}.MAX_ARCHS"),
    ]
    return [
        code_obligation(
            "code: LiquidationEngine._settleUser books the order into the account's block counters "
            "(notionalLiquidated += counted notional, insuranceLost = the fills' running loss)",
            ex,
            z3.Implies(
                ex.ok,
                z3.And(
                    ex.post(LE, "_accountBlocks", user, "notionalLiquidated") == before + notional,
                    ex.post(LE, "_accountBlocks", user, "insuranceLost") == used,
                    ex.post(LE, "_accountBlocks", user, "blockNumber")
                    == ex.before(LE, "_accountBlocks", user, "blockNumber"),
                ),
            ),
            assumptions=ranges,
            witness=z3.And(ex.ok, notional > 0),
            shown=shown.tuple(),
            explanation="the account's block counters after a liquidation are not what its fills counted",
        ),
        *check_obligations(ex, kinds=("loop-bound",), assumptions=ranges, label="_settleUser"),
    ]


# ------------------------------------------------------------------------------------------ _backstop


def backstop_code(ctx: ModelContext) -> list[Obligation]:
    """LIQ-7 on ``_backstop``: a remainder the insurance-loss limit rejects is not taken."""
    from vaultproof.spec import code_obligation

    ex = _run(ctx, "_backstop", label="backstop")
    stop_before, stop_after = _m(ex, "r", "stop", before=True), _m(ex, "r", "stop")
    rejected = z3.And(stop_before != STOP_INSURANCE_LIMIT, stop_after == STOP_INSURANCE_LIMIT)
    keep = [("o", "remaining"), ("o", "insuranceUsed"), ("r", "size"), ("r", "backstopped"), ("r", "fills")]
    shown = Shown()
    shown.add("o.remaining (argument)", _m(ex, "o", "remaining", before=True))
    shown.add("o.insuranceUsed before", _m(ex, "o", "insuranceUsed", before=True), USDC)
    shown.add("MaxQuantumsInsuranceLost", ex.before(LE, "maxQuantumsInsuranceLost"), USDC)
    shown.add("r.stop after (2 = INSURANCE_LIMIT)", stop_after)
    shown.add("r.backstopped after", _m(ex, "r", "backstopped"))
    limit = ex.before(LE, "maxQuantumsInsuranceLost")
    used0, used1 = _m(ex, "o", "insuranceUsed", before=True), _m(ex, "o", "insuranceUsed")
    return [
        code_obligation(
            "code: LiquidationEngine._backstop: a remainder whose loss exceeds what is left of the insurance "
            "limit is not taken (nothing booked); one that is taken keeps the account's loss within the "
            "limit",
            ex,
            z3.Implies(
                ex.ok,
                z3.And(
                    z3.Implies(
                        rejected, z3.And(*[_m(ex, s, k) == _m(ex, s, k, before=True) for s, k in keep])
                    ),
                    z3.Implies(z3.And(z3.Not(rejected), used0 <= limit), used1 <= limit),
                ),
            ),
            assumptions=[*bounded(used0, limit)],
            witness=z3.And(ex.ok, rejected),
            shown=shown.tuple(),
            explanation="the backstop took a remainder the insurance-loss limit rejected",
        )
    ]


# ------------------------------------------------------------------------------------------ per property


# ------------------------------------------------------------------------------------------ liquidate


def _liquidate(ctx: ModelContext) -> tuple[Any, dict[str, Any]]:
    """``liquidate`` on a market without a book (``bookOf[arch][market] == 0``, a real configuration: the
    backstop takes the order at the oracle): sizing, fillable price, the backstop fill under the insurance
    rule, the block counters and the settlement, all on the shipped code. The walk over a book is proved on
    its own entry (``walk_code``, by induction) and, for seed 004's cases, inside ``liquidate`` with a
    one-order book (``case_code``). The QRE is unknown code; its ``isLiquidatable`` answer is named."""
    from vaultproof.spec import SummaryResult

    arch, market = z3.Int("liquidate.arch"), z3.Int("liquidate.market")
    answer = z3.Bool("liquidate.qre.isLiquidatable")

    def is_liquidatable(view: Any) -> Any:
        # unknown code: any answer, may revert (no assumption beyond the havoc's)
        return SummaryResult(returns=(answer,), reverts=z3.Bool("liquidate.qre.isLiquidatable.reverts"))

    ex = _run(
        ctx,
        "liquidate",
        label="liquidate",
        args={"arch": arch, "market": market},
        storage={(LE, "bookOf", arch, market): 0},
        summaries={f"{LE}.qre.isLiquidatable": is_liquidatable},
    )
    user = ex.arg("user")
    v = {
        "user": user,
        "answer": answer,
        "block": ex.env["block.number"],
        "maxNotional": ex.before(LE, "maxNotionalLiquidated"),
        "maxLoss": ex.before(LE, "maxQuantumsInsuranceLost"),
        "maxFeePpm": ex.before(LE, "maxLiquidationFeePpm"),
    }
    return ex, v


def _account(ex: Any, user: Any, post: bool) -> tuple[Any, Any, Any]:
    read = ex.post if post else ex.before
    return tuple(
        read(LE, "_accountBlocks", user, f) for f in ("blockNumber", "notionalLiquidated", "insuranceLost")
    )  # type: ignore[return-value]


def _liquidate_shown(ex: Any, v: dict[str, Any]) -> Shown:
    shown = Shown()
    shown.add("user (argument)", v["user"])
    shown.add("isLong (argument)", ex.arg("isLong"))
    shown.add("block.number", v["block"])
    shown.add("MaxNotionalLiquidated", v["maxNotional"], USDC)
    shown.add("MaxQuantumsInsuranceLost", v["maxLoss"], USDC)
    for tag, post in (("before", False), ("after", True)):
        bn, notional, lost = _account(ex, v["user"], post)
        shown.add(f"account block {tag}", bn)
        shown.add(f"account notional liquidated {tag}", notional, USDC)
        shown.add(f"account insurance loss {tag}", lost, USDC)
    for k, unit in (
        ("requested", RAW_),
        ("size", RAW_),
        ("backstopped", RAW_),
        ("fills", RAW_),
        ("notional", USDC),
        ("quoteValue", USDC),
        ("fee", USDC),
        ("insuranceLost", USDC),
        ("fillablePrice", USDC),
        ("stop", RAW_),
    ):
        shown.add(f"r.{k} (returned)", ex.memory(0, k), unit)
    for i, e in enumerate(ex.events_named("LiquidationFill")):
        shown.add(f"LiquidationFill#{i} emitted", e.when)
        for k in ("size", "price", "quote", "delta", "fee", "insuranceLost"):
            if k in e.fields:
                shown.add(f"LiquidationFill#{i}.{k}", e[k], RAW_ if k == "size" else USDC)
    for i, e in enumerate(ex.events_named("LiquidationStopped")):
        shown.add(f"LiquidationStopped#{i} emitted", e.when)
    return shown


RAW_ = (0, "")


def _liquidate_ranges(ctx: ModelContext, ex: Any, v: dict[str, Any]) -> list[z3.BoolRef]:
    """Counters, limits and amounts below 2^128; rates ≤ 1e6 (setters); ≤ MAX_ARCHS arches (addArch); the
    arch's margin table validated (≤ MAX_TIERS tiers, MarginTable.validate); the account's last block not
    in the future."""
    _, notional, lost = _account(ex, v["user"], False)
    tiers = _answers(ex).get("getMarginTiers.ret.length", [])
    return [
        *[t <= MAX_TIERS for t in tiers],
        *bounded(
            notional, lost, v["maxNotional"], v["maxLoss"], ex.before(LE, "minPositionNotionalLiquidated")
        ),
        ex.before(LE, "maxPositionPortionLiquidatedPpm") <= PPM,
        ex.before(LE, "liquidationFeePpm") <= PPM,
        v["maxFeePpm"] <= PPM,
        ex.before(LE, "archs", "length") <= ctx.param(f"{LE}.MAX_ARCHS"),
        ex.before(LE, "_accountBlocks", v["user"], "blockNumber") <= v["block"],
    ]


def _answers(ex: Any) -> dict[str, list[Any]]:
    """The fresh answers of the unknown code ``liquidate`` called (``getPosition.ret.size`` → its terms,
    in call order), found by name in the execution's facts: a vacuity witness pins them to a scenario."""
    found: dict[str, dict[int, Any]] = {}
    prefix = "liquidate."
    for e in _uninterpreted([*ex.assumptions, ex.ok]):
        name = e.decl().name()
        if name.startswith(prefix) and "#" in name:
            base, _, n = name[len(prefix) :].rpartition("#")
            found.setdefault(base, {})[int(n)] = e
    return {k: [t for _, t in sorted(v.items())] for k, v in found.items()}


def _uninterpreted(roots: list[Any]) -> Iterator[Any]:
    """Every uninterpreted constant below ``roots``, once each: the fresh terms an execution introduced,
    which a scenario finds by name."""
    return (e for e in uninterpreted(roots) if z3.is_const(e))


def _scenario(ex: Any, v: dict[str, Any], tnc18: int, max_loss: int) -> z3.BoolRef:
    """Seed 004's case 1 as a vacuity witness: 1 BTC (8 dp) long at a 50,000 USDC oracle, one tier at 50x
    (MM 1%), TNC ``tnc18`` against TMMR 500 USDC (18 dp), no arch registered to re-price (the QRE answers as
    given), no block limit but MaxQuantumsInsuranceLost = ``max_loss``, the backstop on."""
    a = _answers(ex)

    def one(key: str) -> Any:
        return a[key][0]

    tiers = {k: one(f"getMarginTiers.ret.{k}") for k in ("lowerBound", "maxLeverage", "maintenanceDeduction")}
    mark = a["markPrice.ret"]
    return z3.And(
        ex.arg("isLong"),
        v["answer"],
        one("getPosition.ret.size") == 10**8,
        mark[0],
        mark[1] == 50_000 * 10**6,
        one("getMarketConfig.ret.baseDecimals") == 8,
        one("getMarginTiers.ret.length") == 1,
        z3.Select(tiers["lowerBound"], 0) == 0,
        z3.Select(tiers["maxLeverage"], 0) == 50,
        z3.Select(tiers["maintenanceDeduction"], 0) == 0,
        one("equity18.ret") == tnc18,
        one("maintenanceMargin18.ret") == 500 * 10**18,
        ex.before(LE, "archs", "length") == 0,
        ex.before(LE, "backstopEnabled"),
        ex.before(LE, "minPositionNotionalLiquidated") == 1_000 * 10**6,
        ex.before(LE, "maxPositionPortionLiquidatedPpm") == PPM,
        ex.before(LE, "maxNotionalLiquidated") == 2**127,
        ex.before(LE, "maxQuantumsInsuranceLost") == max_loss,
        ex.before(LE, "liquidationFeePpm") == 5_000,
        ex.before(LE, "maxLiquidationFeePpm") == 5_000,
        ex.before(LE, "bankruptcyAdjustmentPpm") == PPM,
        ex.before(LE, "spreadToMaintenanceMarginRatioPpm") == 100_000,
        ex.before(LE, "_accountBlocks", v["user"], "blockNumber") == v["block"],
        ex.before(LE, "_accountBlocks", v["user"], "notionalLiquidated") == 0,
        ex.before(LE, "_accountBlocks", v["user"], "insuranceLost") == 0,
    )


def _without_walk(obs: list[Obligation]) -> list[Obligation]:
    """On a market without a book ``liquidate`` runs only ``_matchBook``'s early return, not its walk: these
    obligations do not count as executing ``_matchBook`` (its lines run are still reported)."""
    from vaultproof.spec import FunctionRef

    walk = FunctionRef(LE, "_matchBook")
    return [replace(ob, executed=tuple(f for f in ob.executed if f != walk)) for ob in obs]


def liquidate_block_code(ctx: ModelContext) -> list[Obligation]:
    """LIQ-2 on ``liquidate``: the account's per-block counters stay within both limits (the inductive step
    over the liquidations of one block; a new block starts from zero)."""
    from vaultproof.spec import check_obligations, code_obligation

    ex, v = _liquidate(ctx)
    bn0, n0, l0 = _account(ex, v["user"], False)
    bn1, n1, l1 = _account(ex, v["user"], True)
    inv0 = z3.Implies(bn0 == v["block"], z3.And(n0 <= v["maxNotional"], l0 <= v["maxLoss"]))
    shown = _liquidate_shown(ex, v)
    ranges = _liquidate_ranges(ctx, ex, v)
    return _without_walk(
        [
            code_obligation(
                "code: LiquidationEngine.liquidate (market without a book) keeps the account's notional "
                "liquidated "
                "and insurance loss this block within MaxNotionalLiquidated and MaxQuantumsInsuranceLost "
                "(step)",
                ex,
                z3.Implies(
                    ex.ok,
                    z3.And(bn1 == v["block"], n1 <= v["maxNotional"], l1 <= v["maxLoss"], l1 >= 0),
                ),
                assumptions=[inv0, *ranges],
                witness=z3.And(ex.ok, _scenario(ex, v, 499 * 10**18, 2**127)),
                shown=shown.tuple(),
                explanation="after this liquidation the account has lost more than a block limit allows",
            ),
            *(
                replace(ob, witness=z3.And(ob.witness, _scenario(ex, v, 499 * 10**18, 2**127)))
                for ob in check_obligations(ex, kinds=("loop-bound",), assumptions=ranges, label="liquidate")
            ),
        ]
    )


def liquidate_limit_code(ctx: ModelContext) -> list[Obligation]:
    """LIQ-7 on ``liquidate``: a liquidation stopped by the insurance-loss limit completes (it does not
    revert), takes nothing the limit rejected and leaves the account's insurance loss as it was."""
    from vaultproof.spec import code_obligation

    ex, v = _liquidate(ctx)
    bn0, _, l0 = _account(ex, v["user"], False)
    _, _, l1 = _account(ex, v["user"], True)
    used0 = z3.If(bn0 == v["block"], l0, 0)
    stopped = ex.memory(0, "stop") == STOP_INSURANCE_LIMIT
    shown = _liquidate_shown(ex, v)
    return _without_walk(
        [
            code_obligation(
                "code: LiquidationEngine.liquidate (market without a book) stopped by the insurance-loss "
                "limit "
                "completes without taking the rejected fill and leaves the account's insurance loss "
                "unchanged",
                ex,
                z3.Implies(z3.And(ex.ok, stopped), z3.And(ex.memory(0, "size") == 0, l1 == used0)),
                assumptions=_liquidate_ranges(ctx, ex, v),
                witness=z3.And(ex.ok, stopped, _scenario(ex, v, -(10**18), 0)),
                shown=shown.tuple(),
                explanation="a liquidation stopped by the insurance-loss limit still took the fill, or "
                "counted "
                "its loss",
            )
        ]
    )


def liquidate_fee_code(ctx: ModelContext) -> list[Obligation]:
    """LIQ-3 on ``liquidate``: the fee and quote it reports (and settles the liquidated side with) are exactly
    those of the fills it emitted — each fill's fee ≤ MaxLiquidationFeePpm × its quote is ``_admit``'s
    contract (``admit_fee_code``); the bound on the sum follows."""
    from vaultproof.spec import code_obligation

    ex, v = _liquidate(ctx)
    fee, quote = ex.memory(0, "fee"), ex.memory(0, "quoteValue")
    fills = ex.events_named("LiquidationFill")
    fees = sum((z3.If(e.when, e["fee"], 0) for e in fills), z3.IntVal(0))
    quotes = sum((z3.If(e.when, e["quote"], 0) for e in fills), z3.IntVal(0))
    return _without_walk(
        [
            code_obligation(
                "code: LiquidationEngine.liquidate (market without a book) charges exactly the fees of the "
                "fills it emits, on exactly their quotes (each fee ≤ MaxLiquidationFeePpm × its quote: "
                "_admit)",
                ex,
                z3.Implies(ex.ok, z3.And(fee == fees, quote == quotes)),
                assumptions=_liquidate_ranges(ctx, ex, v),
                witness=z3.And(ex.ok, fee > 0, _scenario(ex, v, 499 * 10**18, 2**127)),
                shown=_liquidate_shown(ex, v).tuple(),
                explanation="a liquidation charged a fee (or counted a quote) that none of its fills carries",
            )
        ]
    )


def liquidate_order_code(ctx: ModelContext) -> list[Obligation]:
    """LIQ-1 on ``liquidate``: what it liquidates never exceeds the order the block limits sized."""
    from vaultproof.spec import code_obligation

    ex, v = _liquidate(ctx)
    r = {k: ex.memory(0, k) for k in ("size", "requested", "absorbed", "backstopped")}
    return _without_walk(
        [
            code_obligation(
                "code: LiquidationEngine.liquidate (market without a book) fills at most the order "
                "(size = absorbed + backstopped ≤ requested)",
                ex,
                z3.Implies(
                    ex.ok,
                    z3.And(r["size"] == r["absorbed"] + r["backstopped"], r["size"] <= r["requested"]),
                ),
                assumptions=_liquidate_ranges(ctx, ex, v),
                witness=z3.And(ex.ok, r["size"] > 0, _scenario(ex, v, 499 * 10**18, 2**127)),
                shown=_liquidate_shown(ex, v).tuple(),
                explanation="a liquidation filled more than its order",
            )
        ]
    )


def liquidate_eligibility_code(ctx: ModelContext) -> list[Obligation]:
    """LIQ-4 on ``liquidate`` (the engine's half): it only proceeds when the QRE answered liquidatable."""
    from vaultproof.spec import code_obligation

    ex, v = _liquidate(ctx)
    shown = _liquidate_shown(ex, v)
    shown.add("QRE.isLiquidatable(user) answered", v["answer"])
    return _without_walk(
        [
            code_obligation(
                "code: LiquidationEngine.liquidate proceeds only when QRE.isLiquidatable(user) is true",
                ex,
                z3.Implies(ex.ok, v["answer"]),
                assumptions=_liquidate_ranges(ctx, ex, v),
                witness=z3.And(ex.ok, _scenario(ex, v, 499 * 10**18, 2**127)),
                shown=shown.tuple(),
                explanation="an account the risk engine does not call liquidatable was liquidated",
            )
        ]
    )


# ----------------------------------------------------------------------------------------- _matchBook

STOP_NO_LIQUIDITY = 1  # ILiquidationEngine.Stop.NO_LIQUIDITY
# the order's and the result's running fields the walk moves (each a uint256 of its struct)
_WALK_O = ("remaining", "size", "notionalLeft", "insuranceUsed")
_WALK_R = ("size", "absorbed", "notional", "insuranceLost", "fills")


def _walk_state(v: Any) -> dict[str, Any]:
    """The walk's running state at a loop head (a :class:`LoopView`)."""
    out = {f"o.{k}": v.memory("o", k) for k in _WALK_O}
    out.update({f"r.{k}": v.memory("r", k) for k in (*_WALK_R, "stop")})
    return out


def _walk_relations(now: dict[str, Any], start: dict[str, Any], limit: Any) -> list[z3.BoolRef]:
    """What every prefix of the walk keeps (LIQ-1, LIQ-7): filled + remaining = requested, the filled
    size leaves the position, every fill is a book fill; counted + left notional is conserved and left only
    shrinks (Σ counted ≤ the order's notional); the account's insurance loss stays within the limit and
    grows by exactly what the fills booked; the fill count only grows."""
    filled = now["r.size"] - start["r.size"]
    return [
        now["o.remaining"] >= 0,
        filled >= 0,
        now["o.remaining"] + filled == start["o.remaining"],
        now["o.size"] + filled == start["o.size"],
        now["r.absorbed"] - start["r.absorbed"] == filled,
        now["o.notionalLeft"] >= 0,
        now["o.notionalLeft"] <= start["o.notionalLeft"],
        now["r.notional"] + now["o.notionalLeft"] == start["r.notional"] + start["o.notionalLeft"],
        now["o.insuranceUsed"] >= 0,
        now["o.insuranceUsed"] <= limit,
        now["r.insuranceLost"] - start["r.insuranceLost"]
        == now["o.insuranceUsed"] - start["o.insuranceUsed"],
        now["r.fills"] >= start["r.fills"],
        now["r.fills"] < 2**128,
    ]


def _walk_invariant(v: Any) -> z3.BoolRef:
    """The walk's loop invariant at each head: the relations above, the walk not stopped (a rejected fill
    returns at once: no later iteration starts after one)."""
    now, start = _walk_state(v), _walk_state(v.at_entry())
    limit = v.read(LE, "maxQuantumsInsuranceLost")
    return z3.And(*_walk_relations(now, start, limit), now["r.stop"] == STOP_NO_LIQUIDITY)


def _maker_settlement(view: Any) -> Any:
    """The maker's side of a fill (``arch.onPositionLiquidated`` inside the walk's try): unknown code — any
    PnL, may revert (caught: the walk goes on) — and the fill it is asked to settle is the LIQ-1 bound,
    checked at the call: qty = min(what is left of the order, the maker's order, the maker's position) > 0,
    at a maker price at or inside the fillable price, for the maker's side (opposite the account's)."""
    from vaultproof.spec import SummaryResult

    tag = view.executor.fresh_name("makerSettlement")
    _, _, maker_is_long, qty, _ = view.args
    rem, order = view.memory("o", "remaining"), view.memory("mk", "remaining")
    pos, price = view.local("makerPos"), view.memory("mk", "price")
    is_long, fillable = view.memory("o", "isLong"), view.memory("r", "fillablePrice")
    fill = z3.If(rem < order, rem, order)
    fill = z3.If(fill > pos, pos, fill)
    pnl = z3.Int(f"{tag}.pnl")
    return SummaryResult(
        returns=(pnl,),
        reverts=z3.Bool(f"{tag}.reverts"),
        requires=z3.And(
            qty == fill,
            qty > 0,
            maker_is_long == z3.Not(is_long),
            z3.If(is_long, price >= fillable, price <= fillable),
        ),
        ensures=z3.And(pnl >= -(2**255), pnl < 2**255),
    )


def _walk(ctx: ModelContext, label: str = "walk") -> Any:
    from vaultproof.spec import Invariant

    loops = {f"{LE}._matchBook:{_loop_line(ctx)}": Invariant(_walk_invariant)}
    return _run(
        ctx,
        "_matchBook",
        label=label,
        extra_loops=loops,
        summaries={"IPerpEngine.onPositionLiquidated": _maker_settlement},
        internal_summaries=_ANY_TIER_MARGIN,
    )


def _loop_line(ctx: ModelContext) -> int:
    from models.code_common import loop_line

    return loop_line(code_of(ctx), f"{LE}._matchBook")


def _walk_ranges(ex: Any) -> list[z3.BoolRef]:
    """At the walk's entry (what ``_size`` leaves, LIQ-2's contract): the account's insurance loss within
    the limit; the order's and result's amounts below 2^128; a base unit ≥ 1; a validated margin table."""
    start = {k: ex.memory(k.split(".")[0], k.split(".")[1], before=True) for k in _walk_state_keys()}
    return [
        start["o.insuranceUsed"] <= ex.before(LE, "maxQuantumsInsuranceLost"),
        *bounded(*start.values(), ex.before(LE, "maxQuantumsInsuranceLost")),
        _m(ex, "o", "unit", before=True) >= 1,
        _m(ex, "o", "tiers", "length", before=True) <= MAX_TIERS,
    ]


def _walk_state_keys() -> tuple[str, ...]:
    return (*[f"o.{k}" for k in _WALK_O], *[f"r.{k}" for k in _WALK_R])


def _walk_shown(ex: Any) -> Shown:
    shown = Shown()
    shown.add("o.isLong", _m(ex, "o", "isLong", before=True))
    shown.add("r.fillablePrice", _m(ex, "r", "fillablePrice", before=True), USDC)
    shown.add("MaxQuantumsInsuranceLost", ex.before(LE, "maxQuantumsInsuranceLost"), USDC)
    for key in _walk_state_keys():
        obj, field_name = key.split(".")
        unit = USDC if field_name in ("notionalLeft", "insuranceUsed", "notional", "insuranceLost") else RAW_
        shown.add(f"{key} before", _m(ex, obj, field_name, before=True), unit)
        shown.add(f"{key} after", _m(ex, obj, field_name), unit)
    shown.add("r.stop after (1 = NO_LIQUIDITY, 2 = INSURANCE_LIMIT)", _m(ex, "r", "stop"))
    return shown


# One concrete first fill, the vacuity witness of the walk's checks (a site reached in the FIRST iteration,
# the havocked state substituted by the entry's): a 10-base-unit long at a 100 USDC oracle (unit 1), the best
# bid 4 at 95 from a maker holding 100, the fillable price 90, the tier margin 0 (ΔMMR 0): the fill's quote
# 380 against its value 400 is d = −20, within a 1,000 insurance-loss limit; every unknown call answers.
# Pinning every term of the path makes the sat query an evaluation (over symbolic entry values the
# products and divisions of _priceFill cost Z3 more than 30 M rlimit to satisfy).
_WALK_SCENARIO: dict[str, int | bool] = {
    "o.isLong": True,
    "o.unit": 1,
    "o.mark": 100,
    "o.size": 10,
    "o.startSize": 10,
    "o.remaining": 10,
    "o.notionalLeft": 1_000,
    "o.insuranceUsed": 0,
    "o.tnc": 10**18,
    "o.tmmr": 10**18,
    "o.user": 5,
    "o.market": 3,
    "o.arch": 11,
    "o.book": 12,
    "o.tiers.length": 1,
    "r.size": 0,
    "r.absorbed": 0,
    "r.notional": 0,
    "r.insuranceLost": 0,
    "r.fills": 0,
    "r.fillablePrice": 90,
    "best.ret": 1,
    "best.ret.maker": 7,
    "best.ret.price": 95,
    "best.ret.remaining": 4,
    "getPosition.ret.size": 100,
    "tierMaintenance": 0,
}


def _call_succeeds(base: str, term: Any) -> z3.BoolRef | None:
    """The pin of a fresh call term that makes the call answer (``base`` its name without the call
    counter): it does not revert, returns well-formed data, does not run out of gas, and its target has
    code; None for a term that is not about a call's success (a scenario pins it, if at all, by value)."""
    if base.endswith((".reverts", ".malformed-return", ".out-of-gas")):
        return z3.Not(term)
    if base == "extcodesize":
        return term == z3.K(z3.IntSort(), z3.IntVal(1))
    return None


def _walk_scenario(ex: Any, limit: int = 1_000) -> z3.BoolRef:
    import re

    pins: list[z3.BoolRef] = [
        ex.before(LE, "maxQuantumsInsuranceLost") == limit,
        ex.before(LE, "liquidationFeePpm") == 5_000,
        ex.before(LE, "maxLiquidationFeePpm") == 5_000,
    ]
    prefix = f"{ex.executor.label}."
    for name, term in sorted(_terms(ex, prefix).items()):
        base = re.sub(r"#\d+", "", name[len(prefix) :])
        succeeds = _call_succeeds(base, term)
        if succeeds is not None:
            pins.append(succeeds)
        elif base == "o.tiers.lowerBound":
            pins.append(z3.Select(term, 0) == 0)
        elif base in _WALK_SCENARIO:
            value = _WALK_SCENARIO[base]
            pins.append(term == (z3.BoolVal(value) if z3.is_bool(term) else z3.IntVal(int(value))))
    return z3.And(*pins)


def _terms(ex: Any, prefix: str) -> dict[str, Any]:
    """Every uninterpreted constant of the execution (facts, completion, checks) named ``prefix…``."""
    found: dict[str, Any] = {}
    for e in _uninterpreted(
        [*ex.assumptions, ex.ok, *[c.reached for c in ex.checks], *[c.bad for c in ex.checks]]
    ):
        if e.decl().name().startswith(prefix):
            found[e.decl().name()] = e
    return found


def walk_code(ctx: ModelContext) -> list[Obligation]:
    """LIQ-1 / LIQ-7 on ``_matchBook``, the walk over the book, by induction over its iterations on the
    shipped code (the loop an :class:`Invariant`: base and step proved on the body): every fill is
    min(remaining, maker order, maker position) at or inside the fillable price; filled + remaining =
    requested; Σ counted notional ≤ the order's; the account's insurance loss stays within
    MaxQuantumsInsuranceLost; a rejected fill ends the walk (no iteration starts stopped) and what was
    booked before it stands. The book and the arch are unknown code; the tier margin is any uint256 (the
    walk's claims hold for every ΔMMR: TIER-1/2 prove the table on its own code)."""
    from vaultproof.spec import check_obligations, code_obligation

    ex = _walk(ctx)
    ranges = _walk_ranges(ex)
    shown = _walk_shown(ex)
    start = {k: ex.memory(k.split(".")[0], k.split(".")[1], before=True) for k in _walk_state_keys()}
    end = {k: ex.memory(k.split(".")[0], k.split(".")[1]) for k in _walk_state_keys()}
    end["r.stop"] = ex.memory("r", "stop")
    limit = ex.before(LE, "maxQuantumsInsuranceLost")
    stopped = [z3.And(e.when) for e in ex.events_named("LiquidationStopped")]
    scenario = _walk_scenario(ex)
    obs = [
        replace(ob, witness=z3.And(ob.witness, scenario))
        for ob in check_obligations(
            ex,
            kinds=("loop-invariant-base", "loop-invariant-step", "summary-requires"),
            assumptions=ranges,
            shown=shown.tuple(),
            label="_matchBook",
        )
    ]
    obs.append(
        code_obligation(
            "code: LiquidationEngine._matchBook ends with filled + remaining = requested, Σ counted notional "
            "≤ the order's, the account's insurance loss within MaxQuantumsInsuranceLost and grown by "
            "exactly the fills' losses; stopped by the insurance limit only with LiquidationStopped emitted",
            ex,
            z3.Implies(
                ex.ok,
                z3.And(
                    *_walk_relations(end, start, limit),
                    z3.Or(end["r.stop"] == STOP_NO_LIQUIDITY, end["r.stop"] == STOP_INSURANCE_LIMIT),
                    (end["r.stop"] == STOP_INSURANCE_LIMIT) == z3.Or(*stopped)
                    if stopped
                    else z3.BoolVal(True),
                ),
            ),
            assumptions=ranges,
            # the scenario's first fill (d = −20) rejected by a limit of 10 at the first head: nothing booked
            # (the exit equals the entry), so every term of the path is pinned
            witness=z3.And(
                ex.ok,
                end["r.stop"] == STOP_INSURANCE_LIMIT,
                _walk_scenario(ex, limit=10),
                *[end[k] == start[k] for k in _walk_state_keys()],
            ),
            shown=shown.tuple(),
            explanation="after the walk the order's size, notional or insurance accounting does not add up, "
            "or it stopped at the insurance limit without rejecting a fill",
        )
    )
    return obs


# ------------------------------------------------------------------------------- seed 004's cases (LIQ-5)


class _Calls:
    """``arch.onPositionLiquidated`` as unknown code (any PnL, may revert) that records each call: its
    path condition and arguments (who, side, size, quote), for an obligation to speak of the settlements."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, tuple[Any, ...]]] = []

    def __call__(self, view: Any) -> Any:
        from vaultproof.spec import SummaryResult

        tag = view.executor.fresh_name("onPositionLiquidated")
        self.calls.append((view.state.pc, tuple(view.args)))
        pnl = z3.Int(f"{tag}.pnl")
        return SummaryResult(
            returns=(pnl,), reverts=z3.Bool(f"{tag}.reverts"), ensures=z3.And(pnl >= -(2**255), pnl < 2**255)
        )


def _liquidate_case(ctx: ModelContext, label: str) -> tuple[Any, dict[str, Any], _Calls]:
    """``liquidate`` with a book: the walk unrolled once (each seed case is one fill that completes the
    order; the loop-bound check proves no second iteration starts), the QRE's answers named, the arch's
    settlements recorded."""
    from vaultproof.spec import SummaryResult, Unroll

    arch, market = z3.Int(f"{label}.arch"), z3.Int(f"{label}.market")
    answer = z3.Bool(f"{label}.qre.isLiquidatable")

    def is_liquidatable(view: Any) -> Any:
        return SummaryResult(returns=(answer,), reverts=z3.Bool(f"{label}.qre.isLiquidatable.reverts"))

    calls = _Calls()
    ex = _run(
        ctx,
        "liquidate",
        label=label,
        extra_loops={f"{LE}._matchBook:{_loop_line(ctx)}": Unroll(1)},
        args={"arch": arch, "market": market},
        summaries={f"{LE}.qre.isLiquidatable": is_liquidatable, "IPerpEngine.onPositionLiquidated": calls},
    )
    return ex, {"arch": arch, "market": market, "answer": answer}, calls


def _case_pins(ex: Any, v: dict[str, Any], case: Any) -> z3.BoolRef:
    """The case's inputs as the liquidation's pre-state and the unknown code's answers: the liquidated
    account's position and TNC / TMMR (18 dp), the oracle, one 50x tier (MM 1%), the block limits and fee
    rate, one resting order of the counterparty (its whole position at the fill price), every call
    answering; the document's limits it does not list are not binding."""
    import re

    from models.liq import D8, UNLIMITED

    user, cp = 21, 22
    pins: list[z3.BoolRef] = [
        ex.arg("user") == user,
        ex.arg("isLong") == z3.BoolVal(case.liquidated_is_long),
        v["answer"],
        ex.env["msg.sender"] == 23,
        ex.before(LE, "isArch", v["arch"]),
        ex.before(LE, "archs", "length") == 0,
        ex.before(LE, "bookOf", v["arch"], v["market"]) == 24,
        ex.before(LE, "backstopEnabled"),
        ex.before(LE, "minPositionNotionalLiquidated") == case.min_notional,
        ex.before(LE, "maxPositionPortionLiquidatedPpm") == case.max_portion_ppm,
        ex.before(LE, "maxNotionalLiquidated")
        == (2**256 - 1 if case.max_notional_block == UNLIMITED else case.max_notional_block),
        ex.before(LE, "maxQuantumsInsuranceLost") == 2**256 - 1,
        ex.before(LE, "liquidationFeePpm") == case.fee_ppm,
        ex.before(LE, "maxLiquidationFeePpm") == case.fee_ppm,
        ex.before(LE, "bankruptcyAdjustmentPpm") == PPM,
        ex.before(LE, "spreadToMaintenanceMarginRatioPpm") == 100_000,
        ex.before(LE, "partialLiquidationCooldown") == 30,
        ex.before(LE, "_accountBlocks", user, "blockNumber") == 0,
        ex.env["block.number"] == 100,
        ex.env["block.timestamp"] == 10_000,
    ]
    per_call = {
        "getPosition.ret.size": [case.size, case.counterparty_size],
        "markPrice.ret": [None],
        "getMarketConfig.ret.baseDecimals": [D8],
        "getMarginTiers.ret.length": [1],
        "equity18.ret": [case.tnc * 10**12],
        "maintenanceMargin18.ret": [case.tmmr * 10**12],
        "best.ret": [1],
        "best.ret.maker": [cp],
        "best.ret.price": [case.fill_price],
        "best.ret.remaining": [case.counterparty_size],
    }
    prefix = f"{ex.executor.label}."
    seen: dict[str, int] = {}
    terms = _terms(ex, prefix)

    def order(name: str) -> int:
        found = re.search(r"#(\d+)", name)
        return int(found.group(1)) if found else -1

    for name in sorted(terms, key=lambda n: (order(n), n)):
        term = terms[name]
        base = re.sub(r"#\d+", "", name[len(prefix) :])
        succeeds = _call_succeeds(base, term)
        if succeeds is not None:
            pins.append(succeeds)
        elif base == "markPrice.ret":
            fresh, mark = (term, None) if z3.is_bool(term) else (None, term)
            pins.append(fresh if fresh is not None else mark == case.oracle)
        elif base == "getMarginTiers.ret.lowerBound":
            pins.append(z3.Select(term, 0) == 0)
        elif base == "positionKey.ret" and base not in seen:
            # the liquidated position's key: never partially liquidated before (no cooldown running)
            seen[base] = 1
            pins.append(ex.before(LE, "lastPartialLiquidationAt", term) == 0)
        elif base == "getMarginTiers.ret.maxLeverage":
            pins.append(z3.Select(term, 0) == 50)
        elif base == "getMarginTiers.ret.maintenanceDeduction":
            pins.append(z3.Select(term, 0) == 0)
        elif base in per_call:
            i = seen.get(base, 0)
            seen[base] = i + 1
            values = per_call[base]
            value = values[min(i, len(values) - 1)]
            if value is not None:
                pins.append(term == value)
    return z3.And(*pins)


# Measured at seed 0: the replay of case 2 is unsat in 13.3 s (2.1 M rlimit) preprocessed and in 2.5 s
# (6.8 M) under the default strategy; the three cases and their loop bounds 14.1 s against 3.9 s.
@default_first
def case_code(ctx: ModelContext) -> list[Obligation]:
    """LIQ-5 on ``liquidate`` with a book: each of seed 004's three cases, its inputs as the pre-state and
    the unknown code's answers, completes with the model's numbers on the shipped code — the size
    liquidated, the fill at the counterparty's resting order (the maker's settlement: size and quote, the
    counterparty's balance change), the liquidated side's settlement (size and quote net of the fee, its
    balance change), the fee to the insurance fund, nothing lost by the fund, the positions left."""
    from models.liq import CASES, EXPECTED
    from vaultproof.spec import check_obligations, code_obligation

    out: list[Obligation] = []
    # one execution, the three cases its pre-states (every case runs the same paths of the same code)
    ex, v, calls = _liquidate_case(ctx, "case")
    for case in CASES:
        exp = EXPECTED[case.name]
        pins = _case_pins(ex, v, case)
        if case.liquidated_is_long:
            quote, user_quote = case.counterparty_balance - exp["cp_after"], exp["after"] - case.balance
        else:
            quote, user_quote = exp["cp_after"] - case.counterparty_balance, case.balance - exp["after"]
        (maker_pc, maker), (user_pc, mine) = calls.calls[0], calls.calls[-1]
        r = {k: ex.memory(0, k) for k in ("size", "absorbed", "backstopped", "fills", "fee", "insuranceLost")}
        shown = Shown()
        shown.add("user (argument)", ex.arg("user"))
        shown.add("isLong (argument)", ex.arg("isLong"))
        for tag, post in (("before", False), ("after", True)):
            _, notional, lost = _account(ex, ex.arg("user"), post)
            shown.add(f"account notional liquidated {tag}", notional, USDC)
            shown.add(f"account insurance loss {tag}", lost, USDC)
        for k in ("size", "absorbed", "backstopped", "fills"):
            shown.add(f"r.{k} (returned)", r[k])
        shown.add("r.fee (returned, to the insurance fund)", r["fee"], USDC)
        shown.add("r.insuranceLost (returned)", r["insuranceLost"], USDC)
        shown.add("maker settlement size", maker[3])
        shown.add("maker settlement quote", maker[4], USDC)
        shown.add("liquidated side's settlement size", mine[3])
        shown.add("liquidated side's settlement quote (net of the fee)", mine[4], USDC)
        goal = z3.And(
            r["size"] == exp["size"],
            r["absorbed"] == exp["size"],
            r["backstopped"] == 0,
            r["fills"] == 1,
            r["fee"] == exp["ins"],
            r["insuranceLost"] == 0,
            case.size - r["size"] == exp["pos"],
            maker_pc,
            maker[0] == 22,
            maker[3] == exp["size"],
            case.counterparty_size - maker[3] == exp["cp_pos"],
            maker[4] == quote,
            user_pc,
            mine[0] == 21,
            mine[3] == exp["size"],
            mine[4] == user_quote,
        )
        out.append(
            code_obligation(
                f"code: LiquidationEngine.liquidate reproduces seed 004 {case.name}: size, fill, fee to the "
                "insurance fund, both settlements",
                ex,
                z3.Implies(z3.And(ex.ok, pins), goal),
                witness=z3.And(ex.ok, pins),
                shown=shown.tuple(),
                explanation=f"the engine's code does not reproduce {case.name} (model: size "
                f"{exp['size']}, fill quote {quote}, fee {exp['ins']}, liquidated side's quote {user_quote})",
            )
        )
        # the walk unrolled once is the whole walk for the case (no second iteration starts)
        out.extend(
            replace(ob, witness=z3.And(ob.witness, pins))
            for ob in check_obligations(ex, kinds=("loop-bound",), assumptions=[pins], label=case.name)
            if "_matchBook" in ob.name
        )
    return out


# ---------------------------------------------------------------------------------- QRE.isLiquidatable


def is_liquidatable_code(ctx: ModelContext) -> list[Obligation]:
    """LIQ-4 on ``QuantumRiskEngine.isLiquidatable`` (the risk engine's half): the answer ``liquidate``
    requires is exactly equity18(user) < maintenanceMargin18(user) over the integers (``eq < 0 ∨
    uint256(eq) < mm``, the cast only taken for eq ≥ 0). ``_equity18`` — the collateral loop whose value is
    QRE-1..5's subject — is any int256 here (a superset of what it returns: the comparison is the claim);
    ``equity18`` and ``isLiquidatable`` run on code. OpenZeppelin's Math.mulDiv is not reached."""
    from models.qre_code import INTERNAL
    from vaultproof.spec import SummaryResult, code_obligation, execute

    qre = "QuantumRiskEngine"
    eq = z3.Int("isLiquidatable._equity18")

    def equity(view: Any) -> Any:
        return SummaryResult(returns=(eq,), ensures=z3.And(eq >= -(2**255), eq < 2**255))

    ex = execute(
        code_of(ctx),
        f"{qre}.isLiquidatable",
        deployment=ctx.deployment,
        internal_summaries={**INTERNAL, f"{qre}._equity18": equity},
        label="isLiquidatable",
    )
    user = ex.arg("user")
    mm = ex.before(qre, "_maintenanceMargin18", user)
    shown = Shown()
    shown.add("user (argument)", user)
    shown.add("equity18(user) (maintenance-weighted, 18 dp)", eq, USD18)
    shown.add("maintenanceMargin18(user) (18 dp)", mm, USD18)
    shown.add("isLiquidatable (returned)", ex.ret(0))
    return [
        code_obligation(
            "code: QuantumRiskEngine.isLiquidatable is true iff equity18(user) < maintenanceMargin18(user) "
            "(over the integers), and never reverts",
            ex,
            z3.And(ex.ok, ex.ret(0) == (eq < mm)),
            # the storage word read (a twin that no longer reads it must still see a uint256 there)
            assumptions=[mm >= 0, mm < 2**256],
            witness=z3.And(eq >= 0, eq == mm),
            shown=shown.tuple(),
            explanation="the risk engine's eligibility answer is not equity < maintenance margin: an account "
            "at or above its margin is liquidatable, or one below it is not",
        )
    ]


USD18 = (18, "USD")


# ------------------------------------------------------------------------------------------ per property


def liq2_code(ctx: ModelContext) -> list[Obligation]:
    return [
        *size_code(ctx)[:3],
        *record_code(ctx),
        *admit_limit_code(ctx)[:2],
        *settle_code(ctx),
        *liquidate_block_code(ctx),
    ]


def liq3_code(ctx: ModelContext) -> list[Obligation]:
    return [*admit_fee_code(ctx), *settle_code(ctx), *liquidate_fee_code(ctx)]


def liq4_code(ctx: ModelContext) -> list[Obligation]:
    return [size_code(ctx)[3], *liquidate_eligibility_code(ctx), *is_liquidatable_code(ctx)]


def liq1_code(ctx: ModelContext) -> list[Obligation]:
    return [size_code(ctx)[0], *record_code(ctx), *walk_code(ctx), *liquidate_order_code(ctx)]


def liq5_code(ctx: ModelContext) -> list[Obligation]:
    return case_code(ctx)


def liq6_code(ctx: ModelContext) -> list[Obligation]:
    return [*price_fill_code(ctx), *admit_fee_code(ctx)]


def liq7_code(ctx: ModelContext) -> list[Obligation]:
    return [*admit_limit_code(ctx), *walk_code(ctx), *backstop_code(ctx), *liquidate_limit_code(ctx)]

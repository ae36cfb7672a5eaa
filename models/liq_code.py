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

from dataclasses import replace
from typing import Any

import z3

from models.code_common import USDC, Shown, bounded, code_of
from vaultproof.spec import ModelContext, Obligation

LE = "LiquidationEngine"
PPM = 1_000_000
STOP_INSURANCE_LIMIT = 2  # ILiquidationEngine.Stop.INSURANCE_LIMIT
BOUND = 2**128
MAX_TIERS = 16  # MarginTable.MAX_TIERS


def _run(ctx: ModelContext, fn: str, label: str | None = None, **kw: Any) -> Any:
    from vaultproof.spec import Havoc, Unroll, execute

    code = code_of(ctx)
    # the QRE is unknown code for these stages (its reports and views change nothing of the engine's)
    deployment = {k: v for k, v in ctx.deployment.items() if k != f"{LE}.qre"}
    loops = {
        "MarginTable.tierIndex:44": Unroll(MAX_TIERS),
        f"{LE}._syncRisk:263": Unroll(ctx.param(f"{LE}.MAX_ARCHS")),
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
    rule, the block counters and the settlement, all on the shipped code. The walk over a book is proved
    stage by stage (``_admit``, ``_priceFill``, ``_record``); the loop itself is not executed here (see
    ``properties/liq.py`` WALK_PENDING). The QRE is unknown code; its ``isLiquidatable`` answer is named."""
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
    seen: set[int] = set()
    todo = [*ex.assumptions, ex.ok]
    prefix = "liquidate."
    while todo:
        e = todo.pop()
        if e.get_id() in seen:
            continue
        seen.add(e.get_id())
        if z3.is_const(e) and e.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            name = e.decl().name()
            if name.startswith(prefix) and "#" in name:
                base, _, n = name[len(prefix) :].rpartition("#")
                found.setdefault(base, {})[int(n)] = e
            continue
        todo.extend(e.children())
    return {k: [t for _, t in sorted(v.items())] for k, v in found.items()}


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
    return [size_code(ctx)[3], *liquidate_eligibility_code(ctx)]


def liq1_code(ctx: ModelContext) -> list[Obligation]:
    return [size_code(ctx)[0], *record_code(ctx), *liquidate_order_code(ctx)]


def liq6_code(ctx: ModelContext) -> list[Obligation]:
    return [*price_fill_code(ctx), *admit_fee_code(ctx)]


def liq7_code(ctx: ModelContext) -> list[Obligation]:
    return [*admit_limit_code(ctx), *backstop_code(ctx), *liquidate_limit_code(ctx)]

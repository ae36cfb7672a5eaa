"""DEBT-6 on code: the custodian's solvency as an inductive invariant over its own entry points.

Every claim on the custodian is a leaf of ``BalanceManager._free[user][token]`` or
``_locked[user][token][locker]`` (the insurance fund's balance is its own free balance), and no other
contract writes that storage: every operation of the vault — allocate, release, liquidate, settle —
reaches it only by calling the custodian's external functions. So the invariant, per token ``t``,

    Σ_user free[user][t] + Σ_(user, locker) locked[user][t][locker] = totalClaims[t] ≤ held[t]

(``held`` the custodian's token balance) holds after any sequence of calls if it holds on deployment
(everything zero) and **every** external entry point of BalanceManager preserves it. Its two halves are
stated per entry point as what the call changes, for an arbitrary token ``t``:

* ``ΔΣfree[t] + ΔΣlocked[t] = ΔtotalClaims[t]``: the sums are ghosts (no variable of the contract holds
  them), kept by storage hooks: every write of a ``_free`` / ``_locked`` leaf adds new − old to its
  token's sum;
* ``ΔtotalClaims[t] ≤ Δheld[t]``: ``held`` is a ghost of the token's balance of the custodian, changed
  only by the token calls (SafeERC20's transfers, assembly in OpenZeppelin, and ``balanceOf``) as
  declared below — the deployment assumption that tokens are plain ERC-20s to the custodian.

The entry points are read from the lowered code (every externally visible function of the contract,
inherited ones included), not listed by hand: a function added to the custodian is covered or fails.
"""

from __future__ import annotations

from typing import Any

import z3

from models.code_common import RAW, Shown, code_of
from vaultproof.spec import ModelContext, Obligation

BM = "BalanceManager"
TOKEN = (0, "token units")  # any token of the custodian: raw units of that token

_GHOSTS = ("Σfree", "Σlocked", "held")


def _sum_by_token(ghost: str) -> Any:
    """The hook of a balance mapping keyed ``[user][token]…``: Σ over every other key, per token."""

    def hook(view: Any) -> dict[tuple[Any, ...], Any]:
        token = view.keys[1]
        return {(ghost, token): view.read(ghost, token) + view.new - view.old}

    return hook


def _token_in(view: Any) -> Any:
    """``SafeERC20.safeTransferFrom(token, from, to, value)`` into the custodian: the token may revert, and
    credits the custodian some amount ≥ 0 (the custodian measures it: a fee-on-transfer token credits less
    than ``value``). Called only with ``to`` = the custodian (checked at the call)."""
    from vaultproof.spec import SummaryResult

    token, _, to, _ = view.args
    tag = view.executor.fresh_name("tokenIn")
    credited = z3.Int(f"{tag}.credited")
    return SummaryResult(
        reverts=z3.Bool(f"{tag}.reverts"),
        requires=to == view.sender,
        writes={(BM, "held", token): view.read(BM, "held", token) + credited},
        ensures=credited >= 0,
    )


def _token_out(view: Any) -> Any:
    """``SafeERC20.safeTransfer(token, to, value)`` from the custodian: may revert; otherwise the token
    debits the custodian exactly ``value`` (nothing when it pays itself)."""
    from vaultproof.spec import SummaryResult

    token, to, value = view.args
    tag = view.executor.fresh_name("tokenOut")
    held = view.read(BM, "held", token)
    return SummaryResult(
        reverts=z3.Bool(f"{tag}.reverts"),
        writes={(BM, "held", token): z3.If(to == view.sender, held, held - value)},
    )


def _balance_of(view: Any) -> Any:
    """``IERC20(token).balanceOf(account)``: the custodian's own balance is ``held``; any other account's
    is some uint256. A view: it writes nothing."""
    from vaultproof.spec import SummaryResult

    (account,) = view.args
    other = z3.Int(view.executor.fresh_name("balanceOf") + ".other")
    value = z3.If(account == view.sender, view.read(BM, "held", view.target), other)
    return SummaryResult(returns=(value,), ensures=z3.And(other >= 0, other < 2**256))


def _any_answer(view: Any) -> Any:
    """The withdraw guard (``canWithdraw``, a view: it writes nothing): any answer, or a revert. Solvency
    does not depend on what the guard allows."""
    from vaultproof.spec import SummaryResult

    tag = view.executor.fresh_name("guard")
    return SummaryResult(returns=(z3.Bool(f"{tag}.allows"),), reverts=z3.Bool(f"{tag}.reverts"))


def entry_points(ctx: ModelContext) -> list[str]:
    """Every externally visible function of the custodian (its ABI, inherited functions included)."""
    code = code_of(ctx)
    functions = {code._index[key] for _, key in code.contract(BM).dispatch}
    # an entry point the lowering could not take is still listed: executing it is the one-line ERROR
    return sorted(
        f"{BM}.{fn.key.split('.', 1)[1]}" for fn in functions if fn.visibility in ("external", "public")
    )


def execution(ctx: ModelContext, entry: str) -> Any:
    from vaultproof.spec import Ghost, execute

    return execute(
        code_of(ctx),
        entry,
        deployment=ctx.deployment,
        label=entry.split(".", 1)[1].split("(")[0],
        ghosts={f"{BM}.{ghost}": Ghost(keys=1) for ghost in _GHOSTS},
        hooks={f"{BM}._free": _sum_by_token("Σfree"), f"{BM}._locked": _sum_by_token("Σlocked")},
        summaries={"IERC20.balanceOf": _balance_of, "IQuantumRiskEngine.canWithdraw": _any_answer},
        internal_summaries={"SafeERC20.safeTransferFrom": _token_in, "SafeERC20.safeTransfer": _token_out},
    )


def debt6_code(ctx: ModelContext) -> list[Obligation]:
    """Two obligations per entry point of the custodian: its balance sums move with totalClaims, and
    totalClaims never grows by more than its holdings (see the module docstring)."""
    from vaultproof.spec import check_obligations, code_obligation

    out: list[Obligation] = []
    for entry in entry_points(ctx):
        ex = execution(ctx, entry)
        t = z3.Int(f"{ex.executor.label}.t")  # any token
        delta = {g: ex.post(BM, g, t) - ex.before(BM, g, t) for g in _GHOSTS}
        claims = ex.post(BM, "_totalClaims", t) - ex.before(BM, "_totalClaims", t)
        shown = Shown()
        shown.add("t (any token)", t)
        for name, term in (
            ("totalClaims[t] before", ex.before(BM, "_totalClaims", t)),
            ("totalClaims[t] after", ex.post(BM, "_totalClaims", t)),
            ("Σfree[t] change", delta["Σfree"]),
            ("Σlocked[t] change", delta["Σlocked"]),
            ("custodian's holdings of t, change", delta["held"]),
        ):
            shown.add(name, term, TOKEN)
        for param in code_of(ctx).entry(entry).params:
            unit = TOKEN if param.type.name.startswith("uint") else RAW
            shown.add(f"{param.name} (argument)", ex.arg(param.name), unit)
        fn = entry.split(".", 1)[1]
        out.append(
            code_obligation(
                f"code: {BM}.{fn} moves Σfree[t] + Σlocked[t] by exactly its change of totalClaims[t]",
                ex,
                z3.Implies(ex.ok, delta["Σfree"] + delta["Σlocked"] == claims),
                shown=shown.tuple(),
                explanation="the call changes the users' balances of the token by another amount than "
                "its recorded total claims: claims and balances come apart",
            )
        )
        out.append(
            code_obligation(
                f"code: {BM}.{fn} grows totalClaims[t] by at most what it receives of t",
                ex,
                z3.Implies(ex.ok, claims <= delta["held"]),
                shown=shown.tuple(),
                explanation="the call adds claims on the token that its holdings do not back (or pays "
                "out more than it debits)",
            )
        )
        out += check_obligations(ex, kinds=("summary-requires",), shown=shown.tuple(), label=fn)
    return out

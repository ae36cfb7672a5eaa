"""The code-level prover: SlithIR → Z3 for pure helpers and for stateful entry points.

Modules, one job each: ``ir`` (plain-data IR of pure functions, :class:`ExtractionError`), ``types``
(Solidity integer typing), ``lower`` (Slither → pure IR), ``pure`` (execution of pure functions),
``program`` (plain-data IR of a whole project), ``lower_program`` (Slither → :class:`CodeProject`),
``execute`` (symbolic execution of stateful entry points), ``obligations`` (obligation builders).
``vaultproof.prover.extract`` re-exports the pure-function API unchanged.

How to use it (stateful)
------------------------
Main process, once per compile (Slither objects never leave it)::

    from vaultproof.prover.code import lower_project
    code = lower_project(compiled_project)          # CodeProject, picklable → ModelContext(code=code)

Worker (a property's model / code obligations), Z3 terms built here::

    from vaultproof.prover.code import execute, code_obligation, check_obligations, Havoc, Unroll
    ex = execute(ctx.code, "Fund.cover",
                 deployment=ctx.deployment,           # {"Fund.custodian": "Custodian"}
                 env={"block.number": bn},             # optional: share/force env values across calls
                 args={"amount": a})                   # optional: fix some arguments (others fresh)
    ex.ok                        # Bool: the call does not revert
    ex.ret("paid"), ex.ret(0)    # return values (meaningful where ex.ok); ex.returns is the tuple
    ex.arg("amount")             # the argument terms; ex.env["msg.sender"], ["block.number"], …
    ex.before("Fund", "paidInBlock")                   # pre-state term
    ex.post("Fund", "paidInBlock")                     # post-state term (merged over non-reverting paths)
    ex.post("Custodian", "_free", user, token)         # nested mappings: keys as terms (or ints)
    ex.post("Store", "positions", key, "amount")       # struct fields by name; arrays: index or "length"
    ex.post("Vault", "fund")                           # ERC-7201 `_s()` fields read as variables
    ex.events_named("Covered")                         # ordered; e["paid"], e.when (occurs iff when)
    ex.reverts                   # RevertOutcome(when, reason, where) each; ex.reverts_with("ZeroAddress")
    ex.checks, ex.truncations    # overflow/underflow/div/bounds/loop checks; narrowing conversions
    ex.assumptions               # type-range + deployment facts: always include them (code_obligation does)
    ex.executed                  # ("Custodian.transferFrom", "Fund.cover", …)
    ex.lines                     # {file: executed lines}; ex.statement_lines {fn: (file, statement lines)}
    ob = code_obligation("cap", ex, z3.Implies(ex.ok, ex.ret("paid") <= cap))
    obs = check_obligations(ex)  # one Obligation per overflow / bound / loop check

Instances: one deployed instance per contract, named by the contract (``"Custodian"``); its
address is ``Int("<Contract>.address")`` (distinct, non-zero, has code). Pre-state storage leaves are
named ``"<Contract>.<var><path>"`` and shared by every execution in the same Z3 context, so two calls can
be chained: ``ex2 = execute(code, "...", pre=ex1, env=same_block)`` starts from ``ex1``'s post-state (and
assumes ``ex1.ok``). Arguments and default environment values are named ``"<label>.<name>"`` (``label``
defaults to the function name) so separate executions do not share them unless given in ``args``/``env``.

External calls, in this order: a ``summaries`` entry ``{"Contract.fn" | "IInterface.fn" |
"Contract.var.fn": fn(CallView) -> SummaryResult(returns, writes, reverts, requires, ensures)}``
(``requires`` becomes a ``summary-requires`` check at the call site, ``ensures`` is assumed where the call
returns; ``view.args`` / ``view.read(...)`` give the arguments and the pre-call state, ``view.local(name)``
/ ``view.memory(name, *path)`` the caller's locals at the call); a self-call
``this.f()``; an address bound by
``deployment`` (tracked from the state variable it was read from, through conversions) — the callee's
code runs on its own storage with ``msg.sender`` = the caller; else a ``havoc`` entry keyed by the
variable (``"Store.other"``), the interface (``"IERC20"``) or ``"*"``: may revert, returns fresh values
in their types, re-randomises exactly the declared ``(contract, variable)`` s. Anything else is an ERROR.

Loops: ``loops={"Contract.fn:LINE": Unroll(k)}`` (exhaustiveness becomes a ``loop-bound`` check) or
``Invariant(lambda view: ...)`` over ``view.local("i")`` / ``view.read(...)`` (base and step become
``loop-invariant-base`` / ``-step`` checks; the exit assumes invariant ∧ ¬condition). A loop whose
condition compares against a literal/constant is unrolled to it by default; any other loop is an ERROR
naming ``Contract.fn:LINE``. ``Invariant(..., facts=lambda view: [...])`` assumes lemma instances at the
base, the havocked state and the step; :class:`ArraySum` (``ghost``) names ``Σ f(a[j])`` over an array
prefix and gives its definition's and its lemmas' instances, the lemmas proved by ``ArraySum.lemmas()``.

Memory arrays: a ``T[] memory`` parameter is a fresh array (symbolic length, every element leaf fresh)
unless given as a :class:`MemoryArray` in ``args`` (its ``length`` and per-leaf ``Int → value`` arrays), so
several executions can read one table. ``internal_summaries={"Lib.fn": summary}`` replaces an internal /
library call's body by a declared contract (same :class:`SummaryResult`; ``requires`` is a
``summary-requires`` check), e.g. a dependency written in inline assembly (OpenZeppelin ``Math.mulDiv``).

A call with ``{gas: g}`` may also revert for lack of gas. Entries may be internal functions: a
``T storage $`` parameter whose struct is the contract's ``_s()`` namespace is bound to it.
``keccak256(abi.encode(...))`` is an uninterpreted function of the encoded values.

Results are merged at joins: ``ok``/``returns``/``post``/``events`` cover every non-reverting path at once
(If-terms over the path conditions); every revert is its own :class:`RevertOutcome`. An event's ``when``
says on which paths it is emitted. ``CodeProject.callees(key)`` is the internal call graph.

Ghosts and storage hooks: ``ghosts={"Custodian.Σfree": Ghost(keys=1)}`` declares a variable the code does
not have (read like storage, unbounded integer values); ``hooks={"Custodian._free": fn(HookView) ->
{("Σfree", token): value}}`` runs at every write of ``_free`` (``view.keys``, ``view.old``, ``view.new``)
and writes ghosts of the same instance, e.g. ``Σfree[token] += new − old``: a per-token sum over users that
no state variable holds. Unknown code that may change a hooked variable is an ERROR.

Errors: :class:`ExtractionError`, one line naming function, file:line and the IR.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vaultproof.prover.code.execute import (
    CallView,
    Event,
    Execution,
    Ghost,
    Havoc,
    HookView,
    Invariant,
    LoopView,
    MemoryArray,
    RevertOutcome,
    StorageHook,
    Summary,
    SummaryResult,
    Unroll,
    World,
    execute,
)
from vaultproof.prover.code.ghost import ArraySum, store_layers
from vaultproof.prover.code.ir import ExtractionError
from vaultproof.prover.code.obligations import check_obligations, code_obligation
from vaultproof.prover.code.program import CodeProject, FunctionCode, UnsupportedCode

if TYPE_CHECKING:
    from vaultproof.prover.code.lower_program import lower_contracts, lower_project


def __getattr__(name: str) -> Any:
    """``lower_contracts`` / ``lower_project`` (Slither → CodeProject) load on first use: they import
    Slither (~0.5 s), which a worker building obligations from an already lowered project, or a warm run
    served from the cache, never needs (issue10-hardening)."""
    if name in ("lower_contracts", "lower_project"):
        from vaultproof.prover.code import lower_program

        return getattr(lower_program, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ArraySum",
    "CallView",
    "CodeProject",
    "Event",
    "Execution",
    "ExtractionError",
    "FunctionCode",
    "Ghost",
    "Havoc",
    "HookView",
    "Invariant",
    "LoopView",
    "MemoryArray",
    "RevertOutcome",
    "StorageHook",
    "Summary",
    "SummaryResult",
    "Unroll",
    "UnsupportedCode",
    "World",
    "check_obligations",
    "code_obligation",
    "execute",
    "lower_contracts",
    "lower_project",
    "store_layers",
]

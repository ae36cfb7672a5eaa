"""The one Z3 boundary: the only module that calls ``check()``.

It fixes seeds, sets timeout and ``rlimit``, checks vacuity and tautology, maps unsat/sat/unknown to
verdicts, keeps ``reason_unknown()``, and turns models into counterexamples in token units.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import z3

from vaultproof.config import DEFAULTS
from vaultproof.prover.obligation import Obligation, OptimizationGoal, Quantity, Strategy
from vaultproof.prover.terms import uninterpreted
from vaultproof.results import Counterexample, MetricValue, ObligationResult, TokenValue, Verdict


@dataclass(frozen=True)
class SolverSettings:
    timeout_ms: int = DEFAULTS["timeout_ms"]  # the defaults are the config's ([prove] timeout_ms, rlimit)
    rlimit: int = DEFAULTS["rlimit"]
    seed: int = 0
    retries: int = DEFAULTS["retries"]  # after an exhausted rlimit (see attempts)

    @classmethod
    def of(cls, config: Any) -> SolverSettings:
        """The budget a loaded :class:`~vaultproof.config.Config` gives every query."""
        return cls(timeout_ms=config.timeout_ms, rlimit=config.rlimit, retries=config.retries)

    def attempts(self, first: Strategy = Strategy.DEFAULT) -> tuple[Attempt, ...]:
        """The order a query is asked in: the check's first strategy (``first``: for a negation the
        obligation's; :data:`VACUITY_FIRST` for a vacuity check) with the whole budget under the configured
        seed — LINEARIZED followed by the same pipeline with nlsat (PREPROCESSED), also with the whole
        budget, for a query linearization cannot decide; then, while the rlimit runs out or the backstop
        fires, the other strategy under that seed and the next ones, each with a tenth of the budget (a
        search that went astray is usually short otherwise)."""
        retry = max(1, self.rlimit // 10)
        other = Strategy.PREPROCESSED if first is Strategy.DEFAULT else Strategy.DEFAULT
        head: tuple[Attempt, ...] = (Attempt(first, self.seed, self.rlimit),)
        if first is Strategy.LINEARIZED:
            head += (Attempt(Strategy.PREPROCESSED, self.seed, self.rlimit),)
        return (*head, *(Attempt(other, self.seed + k, retry) for k in range(self.retries)))


PIPELINE = ("simplify", "propagate-values", "solve-eqs", "elim-uncnstr", "simplify", "smt")


@dataclass(frozen=True)
class Attempt:
    strategy: Strategy
    seed: int
    rlimit: int

    def __str__(self) -> str:
        return f"{self.strategy.value} seed {self.seed} (rlimit {self.rlimit:,})"


def format_units(raw: int, decimals: int, unit: str) -> str:
    """Render an integer amount with ``decimals`` places, trailing zeros trimmed: 1500000,6 → 1.5."""
    sign = "-" if raw < 0 else ""
    magnitude = abs(raw)
    if decimals <= 0:
        text = f"{magnitude:,}"
    else:
        whole, frac = divmod(magnitude, 10**decimals)
        frac_text = f"{frac:0{decimals}d}".rstrip("0")
        text = f"{whole:,}" + (f".{frac_text}" if frac_text else "")
    return f"{sign}{text} {unit}".rstrip()


def _configured_solver(settings: SolverSettings, context: z3.Context, attempt: Attempt) -> z3.Solver:
    if attempt.strategy in (Strategy.PREPROCESSED, Strategy.LINEARIZED):
        solver = z3.Then(*PIPELINE, ctx=context).solver()
        if attempt.strategy is Strategy.LINEARIZED:
            solver.set("arith.nl.nra", False)
    else:
        solver = z3.Solver(ctx=context)
    solver.set("timeout", settings.timeout_ms)
    solver.set("rlimit", attempt.rlimit)
    solver.set("random_seed", attempt.seed)
    return solver


def _value_of(model: z3.ModelRef, term: z3.ExprRef, quantity: Quantity) -> TokenValue:
    evaluated = model.eval(term, model_completion=True)
    if z3.is_int_value(evaluated):
        raw = evaluated.as_long()
    elif z3.is_rational_value(evaluated):
        raw = evaluated.numerator_as_long() // evaluated.denominator_as_long()
    elif z3.is_true(evaluated) or z3.is_false(evaluated):
        raw = 1 if z3.is_true(evaluated) else 0
    else:
        raw = int(str(evaluated))
    return TokenValue(
        name=quantity.name,
        raw=raw,
        decimals=quantity.decimals,
        unit=quantity.unit,
        display=format_units(raw, quantity.decimals, quantity.unit),
    )


# What Z3 says when a query ran out of ``rlimit``: it cancels the search ("canceled"; older releases
# said "max. resource limit exceeded"). A wall-clock timeout cancels it the same way, so elapsed time
# tells the two apart.
_CANCELED = ("canceled", "max. resource limit exceeded", "resource limit exceeded")


def _unknown_reason(
    solver: z3.Solver | z3.Optimize, timed_out: bool, settings: SolverSettings, note: str = ""
) -> str:
    """Why a query is UNKNOWN. The budget that decides is ``rlimit`` — Z3's count of its own work, the
    same on every machine and under any load — so the usual answer names it; the wall-clock timeout
    is a backstop (for the rare search that stops counting) and is named only when it is what fired
    (``timed_out``: the caller's clock, since Z3 says "canceled" for both). ``note`` follows it."""
    reason = solver.reason_unknown()
    if reason == "timeout" or timed_out:
        text = f"timeout after {settings.timeout_ms} ms (z3: {reason}; the wall-clock backstop, not rlimit)"
    elif reason in _CANCELED:
        text = f"resource limit exhausted: rlimit {settings.rlimit:,} (z3: {reason})"
    else:
        text = f"z3 unknown: {reason}"
    return f"{text}; {note}" if note else text


# The characters SMT-LIB allows in a simple symbol, less ``~``, which starts an escape.
_PLAIN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@$%^&*_-+=<>.?/"
_PLAIN = frozenset(_PLAIN_CHARS)
_PLAIN_CLASS = re.escape(_PLAIN_CHARS)  # the same characters inside a regex character class
# A token of Z3's printed terms: a quoted symbol (Z3 escapes ``|`` and ``\`` inside it) or a run of
# anything else that is not whitespace or a parenthesis.
_QUOTED = r"\|(?:[^|\\]|\\.)*\|"
_TOKEN = re.compile(rf"{_QUOTED}|[^\s()|]+")
# Making symbols plain is a pass over the whole printed query, and most of it is plain already (``?x12``,
# ``a!3``, ``+``): LIQ-5's queries printed 9.8 M tokens, and substituting each by a Python call took 33 s
# of the property's 52 s. Two filters keep the text the same and the work in the regex engine: a line of
# nothing but plain characters, blanks and parentheses holds only tokens :func:`_plain_token` maps to
# themselves (no bar, so none is quoted; no ``:#"``, so none is a keyword or literal), and in the other
# lines only the tokens it can change are matched: a quoted symbol, or a token of :data:`_TOKEN`'s second
# kind holding a character outside :data:`_PLAIN` (the lookbehind starts a match where its token starts,
# and a match cannot cross a blank, a parenthesis or a bar, so it is the whole token).
_PLAIN_LINE = re.compile(rf"[{_PLAIN_CLASS} \t()]*")
_CHANGEABLE = re.compile(rf"{_QUOTED}|(?<![^\s()|])[{_PLAIN_CLASS}]*[^\s()|{_PLAIN_CLASS}][^\s()|]*")


def _plain(content: str) -> str:
    """A symbol's characters as a plain SMT-LIB symbol: each character outside :data:`_PLAIN` becomes
    ``~<hex>~`` (``~`` itself ``~7e~``), so two symbols stay two. A model's names are readable Unicode
    and punctuation (``Σclaims``, ``lemma.x'``) that Z3 prints but its parser refuses."""
    return "".join(c if c in _PLAIN else f"~{ord(c):x}~" for c in content)


def _plain_token(match: re.Match[str]) -> str:
    token = match.group(0)
    if token.startswith("|"):
        return f"|{_plain(token[1:-1])}|"  # still quoted: a plain name may be a reserved word or a numeral
    if token[0] in ':#"':
        return token  # a keyword or a literal, not a symbol
    return _plain(token)


def _symbol(decl: z3.FuncDeclRef) -> str:
    """The name a query parsed from :func:`query_text` gives ``decl``'s symbol: its printed characters
    (Z3 escapes ``\\`` and ``|`` with a backslash inside the quotes such a name needs), made plain."""
    return _plain(decl.name().replace("\\", "\\\\").replace("|", "\\|"))


def _declarations(terms: Sequence[z3.ExprRef]) -> list[z3.FuncDeclRef]:
    """The uninterpreted constants and functions ``terms`` use, each once (keyed by their printed
    declaration: two applications of one function are one declaration)."""
    return list({term.decl().sexpr(): term.decl() for term in uninterpreted(terms)}.values())


def query_text(terms: Sequence[z3.BoolRef]) -> str:
    """A query as SMT-LIB that Z3's parser takes back: Z3's own ``to_smt2`` text (its declarations and one
    ``assert`` per term, in order, subterms shared across them), every symbol made plain (:func:`_plain`):
    ``to_smt2`` prints ``lemma.x'`` bare and ``|Σclaims|`` quoted, and the parser refuses both.

    Printed from a copy of the terms in a context of its own: the printer names a let-bound subterm after
    its AST id (``?x966``) and shares a subterm when its reference count says so, and in the context that
    built the query both follow whatever else that context holds (CONV-1's 18dp floor query printed 3,643
    lets built alone and 3,649 after DEBT-2's obligations were built). In a context holding only the copy,
    ids follow the query's own structure and only its own subterms refer to each other."""
    return "\n".join(
        line if _PLAIN_LINE.fullmatch(line) else _CHANGEABLE.sub(_plain_token, line)
        for line in _printed(terms)
    )


def _printed(terms: Sequence[z3.BoolRef]) -> list[str]:
    """Z3's ``to_smt2`` lines of ``terms`` copied into a context of their own, comments left out."""
    fresh = z3.Context()
    holder = z3.Solver(ctx=fresh)
    holder.add(*(term.translate(fresh) for term in terms))
    return [line for line in str(holder.to_smt2()).splitlines() if not line.startswith(";")]


def _in_query(term: z3.ExprRef, context: z3.Context) -> z3.ExprRef:
    """``term`` over the symbols of a query parsed from :func:`query_text` into ``context``: each
    uninterpreted constant and function renamed as the text renames it, then copied into ``context``,
    where a symbol is its name and sort (so a counterexample reads the query's own constants)."""
    constants, functions = [], []
    for decl in _declarations([term]):
        name = _symbol(decl)
        if name == decl.name():
            continue
        if decl.arity() == 0:
            constants.append((decl(), z3.Const(name, decl.range())))
        else:
            domain = [decl.domain(i) for i in range(decl.arity())]
            renamed = z3.Function(name, *domain, decl.range())
            functions.append((decl, renamed(*(z3.Var(i, s) for i, s in enumerate(domain)))))
    moved = z3.substitute(term, *constants) if constants else term
    moved = z3.substitute_funs(moved, *functions) if functions else moved
    return moved.translate(context)


def _own_solver(settings: SolverSettings, text: str, attempt: Attempt) -> z3.Solver:
    """A configured solver holding one query, parsed from its SMT-LIB text into a Z3 context of its own.

    Z3's heuristics (and so the model it returns, and whether a non-linear query finishes within its
    rlimit) depend on the ids of the terms and on what else the context holds: a query solved after another
    in the same context inherits what the first created (CONV-1's floor obligation cost 6 M rlimit alone and
    36 M after its own vacuity check in one context). A fresh context is not enough when the terms are
    copied in with ``translate``: the copy still depends on the history of the process that built them. The
    18-decimal CONV-1 floor query (fingerprint 1f4c5e8e7cf4) cost 13.1 M rlimit copied in a fresh process,
    10.5 M copied after six other obligations in the same process, and in a CI worker ran into the 600 s
    backstop; parsed from its text it costs 11.25 M wherever it runs. Parsed from text, a query is a
    function of its SMT-LIB text — its terms and names, which lowering keeps independent of the build, and
    which :func:`query_text` prints from a copy of its own — and not of which queries or jobs ran before
    (SPEC §4.2), but for one residue: some of Z3's tables are keyed
    by address, so the heap's history still moves the cost by a few hundred units in ten million (11,246,482
    after other contexts were built and freed in the process). A query decided with room to spare is decided
    the same everywhere; one that finishes within that margin of its rlimit may not."""
    context = z3.Context()
    solver = _configured_solver(settings, context, attempt)
    solver.from_string(text)
    return solver


def query_fingerprint(terms: Sequence[z3.BoolRef]) -> str:
    """The first 12 hex digits of the SHA-256 of a query's terms as Z3's s-expressions (``sexpr()``, whose
    let-names are numbered in order of appearance, unlike ``to_smt2``'s AST ids): the same on every machine
    and in any context for the same query, so an UNKNOWN in one place and a proof in another tell whether
    the query or Z3 differed."""
    return hashlib.sha256("\n".join(t.sexpr() for t in terms).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class _Decision:
    answer: z3.CheckSatResult
    solver: z3.Solver
    note: str  # how it was decided, when not by the first attempt (empty otherwise)
    timed_out: bool = False  # the attempt the reason describes ended on the wall-clock backstop, not rlimit


def _decide(
    settings: SolverSettings, terms: Sequence[z3.BoolRef], first: Strategy = Strategy.DEFAULT
) -> _Decision:
    """Check ``terms`` under each of ``settings.attempts()`` until one decides (sat or unsat); an exhausted
    rlimit or the wall-clock backstop moves on to the next attempt, an unknown that no budget changes
    (``incomplete``) ends the sequence unless the attempt's strategy left a complete procedure out
    (:attr:`Strategy.final_when_incomplete`: LINEARIZED's answer to a query that needs nlsat). The note
    says which attempt decided after which ended undecided, or — when none did — the attempts the reason
    does not already describe and the query's fingerprint.

    The backstop moves on too because a search can stop counting rlimit while it runs: on CONV-1's code
    twin, one of CONV-3's vacuity queries, preprocessed at seed 0, spends 60 s for 4.6 M rlimit in the
    non-linear solver's repeated ``nlsat`` calls, and is sat in 2.6 s under the default strategy and in
    0.05 s preprocessed at seed 1. Stopping there made the answer depend on the machine's speed (UNKNOWN
    where the backstop fires first); the retry decides it wherever it runs, and the answer cannot differ
    between attempts, only which one found it. A hopeless query costs up to ``1 + retries`` backstops."""
    tried: list[str] = []
    # the attempt an UNKNOWN's reason describes: the first that ended on its budget (a LINEARIZED
    # "incomplete" says only that linearization was not enough): its index, solver, whether it timed out
    described: tuple[int, z3.Solver, bool] | None = None
    text = query_text(terms)
    for attempt in settings.attempts(first):
        solver = _own_solver(settings, text, attempt)
        began = time.perf_counter()
        answer = solver.check()
        if answer != z3.unknown:
            note = f"decided by {attempt} after {'; '.join(tried)}" if tried else ""
            return _Decision(answer, solver, note)
        # Z3 says "canceled" for an exhausted rlimit and for its own timer alike: this attempt's own
        # elapsed time tells the two apart (each attempt has the whole backstop)
        reason = solver.reason_unknown()
        timed_out = reason == "timeout" or (time.perf_counter() - began) * 1000 >= settings.timeout_ms
        if not timed_out and reason not in _CANCELED and attempt.strategy.final_when_incomplete:
            # an unknown another budget would not change: the reason describes this attempt, the note
            # every one before it
            note = "; ".join([*tried, f"query {query_fingerprint(terms)}"])
            return _Decision(z3.unknown, solver, note)
        ended = "timed out" if timed_out else "exhausted" if reason in _CANCELED else "incomplete"
        if described is None and ended != "incomplete":
            described = (len(tried), solver, timed_out)
        tried.append(f"{attempt} {ended}")
    # every strategy that may say "incomplete" is followed by one that may not (attempts())
    assert described is not None
    index, solver, timed_out = described
    # none decided: the reason describes that attempt (its rlimit or the backstop), the note the others
    note = "; ".join([*tried[:index], *tried[index + 1 :], f"query {query_fingerprint(terms)}"])
    return _Decision(z3.unknown, solver, note, timed_out)


# The vacuity check (assumptions ∧ witness, a sat query: Z3 has to build a model) starts with the
# preprocessing pipeline whatever the obligation's own strategy, which is for its negation. Measured over
# the vacuity queries of all 754 shipped obligations at seed 0: 64.6 s in all preprocessed against
# 1,425.6 s under DEFAULT (a step of the book's market-order walk 0.07 s against 16.8 s; two LIQ-6 fill
# queries sat in 0.5 s against unknown at the 600 s backstop), the largest rlimit 17.7 M against 93 M,
# and never a different answer: solving an execution's equalities away leaves a sat query a small search.
# It starts LINEARIZED (no nlsat), then the complete pipeline, because nlsat is where a search stops
# counting rlimit: on CONV-1's code twin, CONV-3's first code obligation's vacuity query runs into the
# 600 s backstop preprocessed at seed 0 for 4.1 M rlimit, and is sat in 0.07 s linearized. Over the 754
# shipped vacuity queries linearization decides 749 (the same answers, the largest rlimit 5.1 M against
# 17.7 M, about as long in all); the other 5 it calls incomplete within 0.11 s, and the pipeline with
# nlsat decides them as before.
VACUITY_FIRST = Strategy.LINEARIZED


def discharge(obligation: Obligation, settings: SolverSettings) -> ObligationResult:
    """Decide one obligation: vacuity first (assumptions ∧ witness sat, :data:`VACUITY_FIRST`), then
    tautology (a hand-written goal that Z3's simplifier proves without any assumption says nothing;
    ``code_derived`` obligations are exempt, see :mod:`vaultproof.prover.code.obligations`), then ¬goal
    under the assumptions unsat."""
    z3.set_param("smt.random_seed", settings.seed)
    z3.set_param("sat.random_seed", settings.seed)
    started = time.perf_counter()

    vacuity = _decide(settings, [*obligation.assumptions, obligation.witness], VACUITY_FIRST)
    vacuity_answer = vacuity.answer
    if vacuity_answer == z3.unknown:
        elapsed = time.perf_counter() - started
        return ObligationResult(
            name=obligation.name,
            verdict=Verdict.UNKNOWN,
            seconds=elapsed,
            reason="vacuity check: "
            + _unknown_reason(vacuity.solver, vacuity.timed_out, settings, vacuity.note),
        )
    if vacuity_answer == z3.unsat:
        return ObligationResult(
            name=obligation.name,
            verdict=Verdict.VACUOUS,
            seconds=time.perf_counter() - started,
            reason="assumptions ∧ witness is unsat: the case this obligation is about is unreachable",
        )

    if not obligation.code_derived and z3.is_true(z3.simplify(obligation.goal)):
        # The goal holds by itself: Z3's simplifier proves it without a single assumption
        # (``i + 1 == i + 1`` once Python substituted a definition into both sides, ``0 >= 0`` as a
        # base case, ``1000000 > 0`` over constants). It says nothing: TAUTOLOGY, not a proof.
        return ObligationResult(
            name=obligation.name,
            verdict=Verdict.TAUTOLOGY,
            seconds=time.perf_counter() - started,
            reason="the goal holds by simplification alone, without any assumption: it says nothing",
        )

    decision = _decide(settings, [*obligation.assumptions, z3.Not(obligation.goal)], obligation.strategy)
    answer, negation = decision.answer, decision.solver
    elapsed = time.perf_counter() - started
    if answer == z3.unsat:
        bounded = obligation.bound is not None
        return ObligationResult(
            name=obligation.name,
            verdict=Verdict.PROVED_BOUNDED if bounded else Verdict.PROVED,
            seconds=elapsed,
            bound=obligation.bound,
            reason=_decided_note(vacuity, decision),
        )
    if answer == z3.sat:
        model = negation.model()
        example = Counterexample(
            obligation=obligation.name,
            values=tuple(_value_of(model, _in_query(q.term, negation.ctx), q) for q in obligation.shown),
            explanation=obligation.explanation,
        )
        return ObligationResult(
            name=obligation.name,
            verdict=Verdict.VIOLATED,
            seconds=elapsed,
            counterexample=example,
            reason=_decided_note(vacuity, decision),
        )
    return ObligationResult(
        name=obligation.name,
        verdict=Verdict.UNKNOWN,
        seconds=elapsed,
        reason=_unknown_reason(decision.solver, decision.timed_out, settings, decision.note),
    )


def _decided_note(vacuity: _Decision, negation: _Decision) -> str:
    """What a settled obligation says about how it was decided: nothing when both checks were decided by
    the first attempt (the usual case), else which seed decided which check."""
    notes = [f"vacuity check {vacuity.note}" if vacuity.note else "", negation.note]
    return "; ".join(n for n in notes if n)


@dataclass(frozen=True)
class OptimizationOutcome:
    verdict: Verdict
    seconds: float
    values: tuple[MetricValue, ...]
    reason: str = ""


def optimize(goal: OptimizationGoal, settings: SolverSettings) -> OptimizationOutcome:
    """Solve one ``z3.Optimize`` problem; PROVED means the optimum is exact (sat and bounded)."""
    z3.set_param("smt.random_seed", settings.seed)
    started = time.perf_counter()
    context = z3.Context()  # a fresh context, parsed from text as in discharge: independent of earlier jobs

    def move(q: Quantity) -> Quantity:
        return Quantity(q.name, _in_query(q.term, context), q.decimals, q.unit)

    objective = move(goal.objective)
    shown = tuple(move(q) for q in goal.shown)
    opt = z3.Optimize(ctx=context)
    opt.set("timeout", settings.timeout_ms)
    opt.set("rlimit", settings.rlimit)
    if goal.constraints:
        opt.from_string(query_text(goal.constraints))
    handle = opt.maximize(objective.term) if goal.maximize else opt.minimize(objective.term)
    answer = opt.check()
    elapsed = time.perf_counter() - started
    if answer == z3.unsat:
        return OptimizationOutcome(Verdict.VACUOUS, elapsed, (), "constraints are unsat: no scenario exists")
    if answer == z3.unknown:
        return OptimizationOutcome(
            Verdict.UNKNOWN,
            elapsed,
            (),
            _unknown_reason(opt, elapsed * 1000 >= settings.timeout_ms, settings),
        )
    bound_value = handle.value()
    if not z3.is_int_value(bound_value):
        return OptimizationOutcome(
            Verdict.UNKNOWN, elapsed, (), f"objective is unbounded or not an integer: {bound_value}"
        )
    model = opt.model()
    values = tuple(
        MetricValue(name=q.name, value=_value_of(model, q.term, q), note=goal.note if q is objective else "")
        for q in (objective, *shown)
    )
    return OptimizationOutcome(Verdict.PROVED, elapsed, values)

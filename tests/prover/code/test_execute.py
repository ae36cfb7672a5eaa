"""The stateful executor on small fixture contracts (tests/fixtures/code): one construct per test.

Every semantic claim is decided through the real solver boundary (``solver.discharge``): a property of
the code that holds is PROVED, and a wrong statement about the same code is VIOLATED, so a wrong
translation fails a test.
"""

from __future__ import annotations

import pickle
from typing import Any

import pytest
import z3

from tests.assertions import verdict
from vaultproof.prover.code import (
    CallView,
    CodeProject,
    ExtractionError,
    Ghost,
    Havoc,
    HookView,
    Invariant,
    SummaryResult,
    Unroll,
    check_obligations,
    code_obligation,
    execute,
)
from vaultproof.prover.solver import SolverSettings, discharge
from vaultproof.results import Verdict

SETTINGS = SolverSettings()
BANK = {"Store.bank": "Bank"}


def test_project_lowers_and_pickles(code: CodeProject) -> None:
    again = pickle.loads(pickle.dumps(code))
    assert again.entry("Store.store").name == "Store.store"
    assert {c for c, _ in again.contracts} == {
        "Bank",
        "Store",
        "TableUser",
        "Tables",
        "Unsupported",
    }  # no interfaces


def test_storage_modifier_require_event(code: CodeProject) -> None:
    ex = execute(code, "Store.store")
    value, sender = ex.arg("value"), ex.env["msg.sender"]
    total0, total1 = ex.before("Store", "total"), ex.post("Store", "total")
    assert verdict(ex, z3.Implies(ex.ok, total1 == total0 + value)) is Verdict.PROVED
    assert verdict(ex, z3.Implies(ex.ok, ex.ret(0) == total1)) is Verdict.PROVED
    credit = ex.post("Store", "credit", sender)
    assert (
        verdict(ex, z3.Implies(ex.ok, credit == ex.before("Store", "credit", sender) + value))
        is Verdict.PROVED
    )
    # require(value <= 1000) and the guarded modifier are revert outcomes
    assert verdict(ex, z3.Implies(value > 1000, z3.Not(ex.ok))) is Verdict.PROVED
    assert (
        verdict(ex, z3.Implies(ex.before("Store", "_entered"), ex.reverts_with("Locked"))) is Verdict.PROVED
    )
    # the modifier's code after `_` runs: the guard is released
    assert verdict(ex, z3.Implies(ex.ok, z3.Not(ex.post("Store", "_entered")))) is Verdict.PROVED
    (stored,) = ex.events_named("Stored")
    assert (
        verdict(
            ex, z3.Implies(ex.ok, z3.And(stored.when, stored["total"] == total1, stored["who"] == sender))
        )
        is Verdict.PROVED
    )
    # a wrong claim about the same code is refuted
    assert verdict(ex, z3.Implies(ex.ok, total1 == total0)) is Verdict.VIOLATED
    assert ex.executed == ("Store.guarded", "Store.store")


def test_nested_mapping_and_only_owner(code: CodeProject) -> None:
    ex = execute(code, "Store.approve")
    sender, spender = ex.env["msg.sender"], ex.arg("spender")
    assert (
        verdict(ex, z3.Implies(ex.ok, ex.post("Store", "allowance", sender, spender) == ex.arg("amount")))
        is Verdict.PROVED
    )
    assert verdict(ex, z3.Implies(sender != ex.before("Store", "owner"), z3.Not(ex.ok))) is Verdict.PROVED
    other = z3.Int("other")
    untouched = ex.post("Store", "allowance", other, spender) == ex.before(
        "Store", "allowance", other, spender
    )
    assert verdict(ex, z3.Implies(z3.And(ex.ok, other != sender), untouched)) is Verdict.PROVED


def test_checked_underflow_is_a_check_and_a_revert(code: CodeProject) -> None:
    ex = execute(code, "Store.spend")
    assert [c.kind for c in ex.checks] == ["underflow", "underflow"]
    obligations = check_obligations(ex)
    # `allowed - amount` cannot underflow after the TooMuch guard; `credit[from] -= amount` can
    verdicts = [discharge(ob, SETTINGS).verdict for ob in obligations]
    assert verdicts == [Verdict.PROVED, Verdict.VIOLATED]


def test_struct_storage_pointer_memory_copy_delete(code: CodeProject) -> None:
    ex = execute(code, "Store.open")
    key, amount = ex.arg("key"), ex.arg("amount")
    assert (
        verdict(ex, z3.Implies(ex.ok, ex.post("Store", "positions", key, "amount") == amount))
        is Verdict.PROVED
    )
    assert verdict(ex, z3.Implies(ex.ok, ex.post("Store", "positions", key, "open"))) is Verdict.PROVED
    stamp = ex.post("Store", "positions", key, "stamp")
    assert verdict(ex, z3.Implies(ex.ok, stamp == ex.env["block.timestamp"] % 2**64)) is Verdict.PROVED
    (opened,) = ex.events_named("Opened")
    assert verdict(ex, z3.Implies(ex.ok, opened["amount"] == 2 * amount)) is Verdict.PROVED
    peek = execute(code, "Store.peek")
    k = peek.arg("key")
    assert (
        verdict(peek, peek.ret("amount") == peek.before("Store", "positions", k, "amount")) is Verdict.PROVED
    )
    close = execute(code, "Store.close")
    k = close.arg("key")
    cleared = z3.And(
        close.post("Store", "positions", k, "amount") == 0,
        z3.Not(close.post("Store", "positions", k, "open")),
    )
    assert (
        verdict(
            close,
            z3.Implies(
                close.ok,
                z3.And(cleared, close.ret("amount") == close.before("Store", "positions", k, "amount")),
            ),
        )
        is Verdict.PROVED
    )


def test_storage_array_push_and_length(code: CodeProject) -> None:
    ex = execute(code, "Store.push")
    n0 = ex.before("Store", "items", "length")
    assert verdict(ex, z3.Implies(ex.ok, ex.post("Store", "items", "length") == n0 + 1)) is Verdict.PROVED
    assert verdict(ex, z3.Implies(ex.ok, ex.post("Store", "items", n0) == ex.arg("v"))) is Verdict.PROVED
    assert verdict(ex, z3.Implies(n0 >= 4, z3.Not(ex.ok))) is Verdict.PROVED


def test_namespaced_storage(code: CodeProject) -> None:
    ex = execute(code, "Store.bump")
    user = ex.arg("user")
    counter = ex.post("Store", "counter")
    assert (
        verdict(
            ex, z3.Implies(ex.ok, z3.And(counter == ex.before("Store", "counter") + 1, ex.ret(0) == counter))
        )
        is Verdict.PROVED
    )
    credit = ex.post("Store", "Layout.credit", user)
    # `$.credit` is the namespace's field, a different variable from the contract's own `credit`
    assert (
        verdict(ex, z3.Implies(ex.ok, credit == ex.before("Store", "Layout.credit", user) + ex.arg("by")))
        is Verdict.PROVED
    )
    own = ex.post("Store", "credit", user) == ex.before("Store", "credit", user)
    assert verdict(ex, own) is Verdict.PROVED


def test_untouched_namespaced_field_reads_as_unchanged(code: CodeProject) -> None:
    # `push` never reaches the namespace: its fields are still named (found from `_s()`'s struct, not from
    # a path), unchanged by the call, and a field the namespace does not declare is still an error
    ex = execute(code, "Store.push")
    counter = ex.before("Store", "counter")
    assert verdict(ex, ex.post("Store", "counter") == counter) is Verdict.PROVED
    assert verdict(ex, counter == 0) is Verdict.VIOLATED
    user = z3.Int("user")
    same = ex.post("Store", "Layout.credit", user) == ex.before("Store", "Layout.credit", user)
    assert verdict(ex, same) is Verdict.PROVED
    with pytest.raises(ExtractionError, match="has no state variable nothing"):
        ex.before("Store", "nothing")


def test_environment(code: CodeProject) -> None:
    ex = execute(code, "Store.stamp", env={"block.number": z3.IntVal(7)})
    assert (
        verdict(
            ex,
            z3.And(ex.ret(0) == 7, ex.ret(2) == ex.env["msg.sender"], ex.ret(3) == z3.Int("Store.address")),
        )
        is Verdict.PROVED
    )


def test_external_call_inlined_through_deployment_map(code: CodeProject) -> None:
    ex = execute(code, "Store.pay", deployment=BANK)
    to, amount, this = ex.arg("to"), ex.arg("amount"), z3.Int("Store.address")
    assert "Bank.move" in ex.executed and "Bank.onlyOperator" in ex.executed
    moved = z3.And(to != this, ex.ok)
    assert (
        verdict(ex, z3.Implies(moved, ex.ret(0) == ex.before("Bank", "_bal", to) + amount)) is Verdict.PROVED
    )
    # the callee sees msg.sender = the calling contract
    assert (
        verdict(ex, z3.Implies(z3.Not(ex.before("Bank", "isOperator", this)), z3.Not(ex.ok)))
        is Verdict.PROVED
    )
    (moved_event,) = ex.events_named("Moved")
    assert moved_event.contract == "Bank"
    with pytest.raises(ExtractionError, match="does not bind"):
        execute(code, "Store.pay")


def test_summary_replaces_the_callee(code: CodeProject) -> None:
    def balance(view: object) -> SummaryResult:
        return SummaryResult(returns=(z3.IntVal(42),))

    def move(view: object) -> SummaryResult:
        return SummaryResult(reverts=z3.BoolVal(False))

    ex = execute(code, "Store.pay", summaries={"Bank.balanceOf": balance, "Bank.move": move}, deployment=BANK)
    assert verdict(ex, z3.Implies(ex.ok, ex.ret(0) == 42)) is Verdict.PROVED
    assert "Bank.move" not in ex.executed


def test_unknown_code_is_havocked_never_trusted(code: CodeProject) -> None:
    spec = Havoc(writes=(("Store", "total"),))
    ex = execute(code, "Store.pokeOther", havoc={"Store.other": spec})
    assert any("unknown code" in r.reason for r in ex.reverts)
    # the return value is whatever the callee says: nothing ties it to x
    assert (
        verdict(ex, z3.Implies(ex.ok, ex.ret(0) == ex.arg("x") + ex.before("Store", "total")))
        is Verdict.VIOLATED
    )
    with pytest.raises(ExtractionError, match="does not bind"):
        execute(code, "Store.pokeOther")


def test_try_catch_both_outcomes(code: CodeProject) -> None:
    ex = execute(code, "Store.tryPay", deployment=BANK)
    this, to, amount = z3.Int("Store.address"), ex.arg("to"), ex.arg("amount")
    fits = z3.And(
        ex.before("Bank", "_bal", to) + amount < 2**256, ex.before("Bank", "totalMoved") + amount < 2**256
    )
    can_pay = z3.And(ex.before("Bank", "isOperator", this), ex.before("Bank", "_bal", this) >= amount, fits)
    # success: the callee's effects and the success clause
    paid = z3.And(
        ex.ret("ok"),
        ex.post("Store", "total") == ex.before("Store", "total") + amount,
        ex.post("Bank", "_bal", to) == ex.before("Bank", "_bal", to) + amount,
    )
    assert verdict(ex, z3.Implies(z3.And(ex.ok, can_pay, to != this), paid)) is Verdict.PROVED
    # revert: rolled back, the catch clause runs, the call as a whole does not revert
    rolled = z3.And(
        z3.Not(ex.ret("ok")),
        ex.post("Bank", "_bal", to) == ex.before("Bank", "_bal", to),
        ex.post("Store", "total") == ex.before("Store", "total"),
    )
    assert (
        verdict(ex, z3.Implies(z3.And(z3.Not(can_pay), to != this), z3.And(ex.ok, rolled))) is Verdict.PROVED
    )
    failed = ex.events_named("Failed")
    assert len(failed) == 1
    assert verdict(ex, z3.Implies(to != this, failed[0].when == z3.Not(can_pay))) is Verdict.PROVED


def test_self_call(code: CodeProject) -> None:
    ex = execute(code, "Store.selfHalf")
    assert "Store.half" in ex.executed
    assert verdict(ex, z3.Implies(ex.ok, ex.ret(0) == ex.arg("x") / 2 + 1)) is Verdict.PROVED


def test_bounded_loop_is_unrolled_with_an_exhaustiveness_check(code: CodeProject) -> None:
    ex = execute(code, "Store.sumFirst", loops={"Store.sumFirst:166": Unroll(4)})
    xs_len = ex.arg("xs")
    bound_checks = [c for c in ex.checks if c.kind == "loop-bound"]
    assert len(bound_checks) == 1
    obligations = {
        ob.name.split(":")[1].split(" #")[0].strip(): ob
        for ob in check_obligations(ex, kinds=("loop-bound",))
    }
    assert discharge(obligations["no loop-bound"], SETTINGS).verdict is Verdict.PROVED
    # too few iterations: the exhaustiveness check fails instead of silently cutting
    short = execute(code, "Store.sumFirst", loops={"Store.sumFirst:166": Unroll(3)})
    (ob,) = check_obligations(short, kinds=("loop-bound",))
    assert discharge(ob, SETTINGS).verdict is Verdict.VIOLATED
    assert xs_len is not None


def test_invariant_loop(code: CodeProject) -> None:
    inv = Invariant(lambda v: z3.And(v.local("c") == 2 * v.local("i"), v.local("i") <= v.local("n")))
    ex = execute(code, "Store.countTo", loops={"Store.countTo:172": inv})
    loop_checks = [ob for ob in check_obligations(ex) if "loop-invariant" in ob.name]
    assert [discharge(ob, SETTINGS).verdict for ob in loop_checks] == [Verdict.PROVED, Verdict.PROVED]
    assert verdict(ex, z3.Implies(ex.ok, ex.ret("c") == 2 * ex.arg("n"))) is Verdict.PROVED
    wrong = Invariant(lambda v: v.local("c") == v.local("i"))
    bad = execute(code, "Store.countTo", loops={"Store.countTo:172": wrong})
    steps = [ob for ob in check_obligations(bad) if "loop-invariant-step" in ob.name]
    assert [discharge(ob, SETTINGS).verdict for ob in steps] == [Verdict.VIOLATED]


def test_loop_without_bound_is_an_error(code: CodeProject) -> None:
    with pytest.raises(
        ExtractionError, match=r"Store\.countTo \(contracts/Store\.sol:172\).*Store\.countTo:172"
    ):
        execute(code, "Store.countTo")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "Unsupported.rawAssembly",
            r"Unsupported\.rawAssembly \(contracts/Unsupported\.sol:10\): `r := sload.*inline assembly",
        ),
        (
            "Unsupported.lowLevel",
            r"Unsupported\.lowLevel \(contracts/Unsupported\.sol:21\).*LowLevelCall is not supported",
        ),
        (
            "Unsupported.bits",
            r"Unsupported\.bits \(contracts/Unsupported\.sol:25\): .*bitwise & on a signed integer",
        ),
        (
            "Unsupported.unbounded",
            r"Unsupported\.unbounded \(contracts/Unsupported\.sol:15\).*loop without a constant bound",
        ),
    ],
)
def test_unsupported_constructs_give_one_line_errors(code: CodeProject, entry: str, message: str) -> None:
    with pytest.raises(ExtractionError, match=message) as info:
        execute(code, entry)
    assert "\n" not in str(info.value)


def test_coverage_lines(code: CodeProject) -> None:
    ex = execute(code, "Store.store")
    file, statements = ex.statement_lines["Store.store"]
    assert file == "contracts/Store.sol"
    assert set(statements) <= set(ex.lines[file])
    ob = code_obligation("cov", ex, z3.BoolVal(True))
    assert {f"{r.contract}.{r.function}" for r in ob.executed} == {"Store.store", "Store.guarded"}


def test_short_circuit_right_operand_runs_only_when_needed(code: CodeProject) -> None:
    ex = execute(code, "Store.fresh")
    # `block.timestamp - updatedAt` is guarded by `updatedAt >= block.timestamp` being false: never reverts
    assert verdict(ex, ex.ok, witness=z3.BoolVal(True)) is Verdict.PROVED
    (underflow,) = [c for c in ex.checks if c.kind == "underflow"]
    assert discharge(check_obligations(ex)[0], SETTINGS).verdict is Verdict.PROVED
    assert underflow.where.startswith("Store.fresh")


def test_internal_entry_with_a_namespace_pointer(code: CodeProject) -> None:
    # `_credit(Layout storage $, ...)` executed as the entry: `$` is the `_s()` root, not a free pointer
    ex = execute(code, "Store._credit")
    user = ex.arg("user")
    grown = ex.post("Store", "Layout.credit", user) == ex.before("Store", "Layout.credit", user) + ex.arg(
        "by"
    )
    assert verdict(ex, z3.Implies(ex.ok, grown)) is Verdict.PROVED
    assert "Store._s" in ex.executed


def test_hash_of_encoded_values_is_a_function(code: CodeProject) -> None:
    ex = execute(code, "Store.keyOf")
    args = {"user": ex.arg("user"), "flag": ex.arg("flag")}
    same = execute(code, "Store.keyOf", args=args, env={"msg.sender": ex.env["msg.sender"]}, label="again")
    assert verdict([ex, same], ex.ret(0) == same.ret(0)) is Verdict.PROVED
    other = execute(code, "Store.keyOf", label="other")
    # nothing is assumed about collisions either way: two different inputs may or may not collide
    assert verdict([ex, other], ex.ret(0) != other.ret(0)) is Verdict.VIOLATED


def test_summary_pre_and_post_conditions(code: CodeProject) -> None:
    def balance(view: CallView) -> SummaryResult:
        value = z3.FreshInt("balance")
        return SummaryResult(returns=(value,), ensures=z3.And(value >= 10, value <= 20))

    def move(view: CallView) -> SummaryResult:
        return SummaryResult(reverts=z3.BoolVal(False), requires=view.args[2] <= 5)

    summaries = {"Bank.balanceOf": balance, "Bank.move": move}
    ex = execute(code, "Store.pay", summaries=summaries, deployment=BANK)
    assert verdict(ex, z3.Implies(ex.ok, z3.And(ex.ret(0) >= 10, ex.ret(0) <= 20))) is Verdict.PROVED
    (requires,) = [ob for ob in check_obligations(ex) if "summary-requires" in ob.name]
    assert discharge(requires, SETTINGS).verdict is Verdict.VIOLATED  # pay() passes any amount


def test_call_graph(code: CodeProject) -> None:
    assert code.callees("Store.store(uint256)") == ("Store.guarded()",)
    assert code.callees("Store.open(bytes32,uint128)") == ("Store._double(uint256)",)


def test_ternary_as_an_if_condition(code: CodeProject) -> None:
    ex = execute(code, "Store.pick")
    up, a, b = ex.arg("up"), ex.arg("a"), ex.arg("b")
    expected = z3.If(z3.If(up, a > b, a < b), 1, 2)
    assert verdict(ex, ex.ret(0) == expected, witness=z3.BoolVal(True)) is Verdict.PROVED


def test_storage_array_copied_to_memory(code: CodeProject) -> None:
    ex = execute(code, "Store.lastAmount")
    n = ex.before("Store", "history", "length")
    last = ex.before("Store", "history", n - 1, "amount")
    assert (
        verdict(ex, z3.Implies(ex.ok, ex.ret(0) == z3.If(n == 0, 0, last)), witness=ex.ok) is Verdict.PROVED
    )


def test_storage_pointer_chosen_by_a_condition(code: CodeProject) -> None:
    ex = execute(code, "Store.creditEither")
    first, a, b, v = ex.arg("first"), ex.arg("a"), ex.arg("b"), ex.arg("v")
    credit = ex.post("Store", "credit", b) == ex.before("Store", "credit", b) + z3.If(first, v, 0)
    allowed = ex.post("Store", "allowance", a, b) == ex.before("Store", "allowance", a, b) + z3.If(
        first, 0, v
    )
    assert verdict(ex, z3.Implies(ex.ok, z3.And(credit, allowed))) is Verdict.PROVED


def test_tuple_unpacked_into_references(code: CodeProject) -> None:
    ex = execute(code, "Store.unpackInto")
    key, x = ex.arg("key"), ex.arg("x")
    stored = ex.post("Store", "positions", key, "amount") == (x + 1) % 1000
    returned = ex.ret(0) == z3.If(x > 5, x % 1000, 0)
    assert verdict(ex, z3.Implies(ex.ok, z3.And(stored, returned))) is Verdict.PROVED


def test_try_around_unknown_code_does_not_catch_the_callers_own_failures(code: CodeProject) -> None:
    ex = execute(code, "Store.tryPoke", havoc={"Store.other": Havoc()})
    reasons = sorted(r.reason for r in ex.reverts)
    assert reasons == [
        "IUnknown.poke(uint256): no code at the target",
        "IUnknown.poke(uint256): return data that does not decode",
    ]
    # with code at the target and decodable data, a revert of the callee is caught: the call completes
    other = ex.before("Store", "other")
    has_code = z3.Select(ex.executor.codesize, other) > 0
    assert verdict(ex, ex.ok, assumptions=[has_code], witness=z3.BoolVal(True)) is Verdict.VIOLATED
    assert verdict(ex, z3.Implies(z3.Not(has_code), z3.Not(ex.ok))) is Verdict.PROVED


def test_given_storage_folds_branches(code: CodeProject) -> None:
    ex = execute(code, "Store.bump", storage={("Store", "counter"): 5})
    assert verdict(ex, z3.Implies(ex.ok, ex.ret(0) == 6), witness=ex.ok) is Verdict.PROVED
    entered = execute(code, "Store.store", storage={("Store", "_entered"): True})
    assert [r.reason for r in entered.reverts] == ["revert Locked()"]  # the guarded branch folded away


def test_an_event_in_an_unrolled_loop_is_logged_once_per_iteration(code: CodeProject) -> None:
    """The loop's exits (after 0, 1, … 4 iterations) merge into one state; each exit's log holds the events
    of the iterations before it, and the merged log holds each iteration's event once, under the condition
    it was emitted on: Σ of the emitted amounts is the returned total, and exactly n events are emitted."""
    ex = execute(code, "Store.payEach", loops={"Store.payEach:302": Unroll(4)})
    paid = ex.events_named("Paid")
    assert len(paid) == 4
    emitted = z3.Sum(*[z3.If(e.when, 1, 0) for e in paid])
    amount = z3.Sum(*[z3.If(e.when, e["amount"], 0) for e in paid])
    assert verdict(ex, z3.Implies(ex.ok, amount == ex.ret("total"))) is Verdict.PROVED
    assert verdict(ex, z3.Implies(ex.ok, z3.And(emitted >= 0, emitted <= 4))) is Verdict.PROVED
    # a wrong count is refuted: two iterations emit two events, not one
    assert verdict(ex, z3.Implies(ex.ok, emitted <= 1)) is Verdict.VIOLATED


def _sum_of_balances(view: HookView) -> dict[tuple[Any, ...], Any]:
    """Bank's Σ_user _bal[user], kept by the write hook: every write adds new − old."""
    return {("Σbal",): view.read("Σbal") + view.new - view.old}


def test_a_storage_hook_keeps_a_ghost_sum_over_a_mapping(code: CodeProject) -> None:
    """Σ_user _bal[user] is no variable of Bank: a ghost kept by a hook at every write of ``_bal``. A move
    leaves the sum unchanged (also when from == to: the second write reads the first's value), and the
    wrong claim that it grows by the amount is refuted with a concrete move."""
    ex = execute(
        code,
        "Bank.move",
        ghosts={"Bank.Σbal": Ghost()},
        hooks={"Bank._bal": _sum_of_balances},
    )
    before, after = ex.before("Bank", "Σbal"), ex.post("Bank", "Σbal")
    assert verdict(ex, z3.Implies(ex.ok, after == before)) is Verdict.PROVED
    assert verdict(
        ex, z3.Implies(z3.And(ex.ok, ex.arg("amount") > 0), after == before + ex.arg("amount"))
    ) is (Verdict.VIOLATED)
    # a per-key ghost: Σ by a key level (here the only one, so Σ[k] follows _bal[k] itself)
    per_key = execute(
        code,
        "Bank.move",
        ghosts={"Bank.mirror": Ghost(keys=1)},
        hooks={"Bank._bal": lambda v: {("mirror", v.keys[0]): v.read("mirror", v.keys[0]) + v.new - v.old}},
    )
    to = per_key.arg("to")
    moved = per_key.post("Bank", "mirror", to) - per_key.before("Bank", "mirror", to)
    bal = per_key.post("Bank", "_bal", to) - per_key.before("Bank", "_bal", to)
    assert verdict(per_key, z3.Implies(per_key.ok, moved == bal)) is Verdict.PROVED


def test_ghosts_and_hooks_are_checked(code: CodeProject) -> None:
    with pytest.raises(ExtractionError, match="Bank has no state variable Σbal"):
        execute(code, "Bank.move", hooks={"Bank._bal": _sum_of_balances})
    with pytest.raises(ExtractionError, match="writes Σbal, not a declared ghost"):
        execute(code, "Bank.move", hooks={"Bank._bal": lambda v: {("Σbal",): v.new}})
    with pytest.raises(ExtractionError, match="has the name of a state variable"):
        execute(code, "Bank.move", ghosts={"Bank.totalMoved": Ghost()})
    with pytest.raises(ExtractionError, match=r"not <Contract>\.<variable>"):
        execute(code, "Bank.move", ghosts={"Nowhere.x": Ghost()})

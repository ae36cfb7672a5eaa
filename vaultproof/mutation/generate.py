"""Generate mutants over every function of a project's own contracts.

Two sources of operators, one patch format (byte span of the original file → replacement text):

- **Slither's mutators** (``slither.tools.mutator``: AOR, ASOR, BOR, CR, FHR, LIR, LOR, MIA, MVIE, MVIV,
  MWA, ROR, RR, SBR, UOR), used as a library: each is instantiated on the compilation unit and contract
  and its ``_mutate()`` patches are collected. Its ``mutate()`` is not called: that one compiles and runs
  a test command per patch, which is the campaign's job here. A patch means "``old_string``, starting at
  ``start``, becomes ``new_string``" (FHR and ROR give an ``end`` that does not match their
  ``old_string``: applied as given, that span garbles the file); a patch whose ``old_string`` is not the
  file's text at ``start`` is dropped and counted.
- **Gambit's operators Slither lacks**: ``REQ`` (require/assert condition → true / false), ``ICM``
  (if-condition → true / false), ``SOA`` (swap the operands of a non-commutative binary operator) and
  ``SFA`` (swap two adjacent arguments of a function call). Gambit's delete-expression is Slither's CR.

A mutant's id is a hash of what it *means* — operator, contract, function, the normalised statement
before and after — plus an ordinal only when one function holds the same statement twice; never a
line number, so an edit elsewhere in the file leaves every id unchanged.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SLITHER_OPERATORS = (
    "AOR",
    "ASOR",
    "BOR",
    "CR",
    "FHR",
    "LIR",
    "LOR",
    "MIA",
    "MVIE",
    "MVIV",
    "MWA",
    "ROR",
    "RR",
    "SBR",
    "UOR",
)
GAMBIT_OPERATORS = ("ICM", "REQ", "SFA", "SOA")
OPERATORS = tuple(sorted(SLITHER_OPERATORS + GAMBIT_OPERATORS))
STATE = "(state variables)"  # the "function" of a mutant in a state variable's declaration

_NON_COMMUTATIVE = {"-", "/", "%", "**", "<<", ">>", "<", ">", "<=", ">="}
_BUILTIN_CALLS = re.compile(r"^(require|assert|revert|abi\.\w+|keccak256|type|sha256|ecrecover)\b")


@dataclass(frozen=True)
class GeneratedMutant:
    """One patch of one file, with the meaning it is identified by."""

    id: str
    operator: str
    contract: str
    function: str
    file: str  # relative to the project root
    start: int  # byte offsets into the original file
    end: int
    replacement: str
    line: int
    before: str  # the mutated statement, whitespace collapsed
    after: str

    @property
    def diff(self) -> str:
        """The one-line diff the report prints."""
        return f"{self.before} → {self.after}"

    def apply(self, original: bytes) -> bytes:
        return original[: self.start] + self.replacement.encode("utf-8") + original[self.end :]


@dataclass(frozen=True)
class Generation:
    mutants: tuple[GeneratedMutant, ...]
    # Slither patches dropped as unusable, per operator: old text that does not match its span, a patch that
    # changes nothing, or a CR that comments out less than a whole statement (see _commented_statement)
    dropped_by_operator: Mapping[str, int] = field(default_factory=dict)

    @property
    def dropped(self) -> int:
        return sum(self.dropped_by_operator.values())


def normalise(text: str) -> str:
    return " ".join(text.split())


def mutable_contracts(slither: Any, sources: Sequence[str], exclude: Sequence[str]) -> list[Any]:
    """The project's own contracts and libraries: under ``sources``, not under ``exclude``, no interfaces."""

    def inside(path: str, dirs: Sequence[str]) -> bool:
        return any(path == d or path.startswith(d.rstrip("/") + "/") for d in dirs)

    chosen = []
    for contract in slither.contracts:
        path = contract.source_mapping.filename.relative
        if contract.is_interface or "node_modules/" in path:
            continue
        if inside(path, sources) and not inside(path, exclude):
            chosen.append(contract)
    return sorted(chosen, key=lambda c: (c.source_mapping.filename.relative, c.name))


def generate(
    slither: Any,
    root: Path,
    sources: Sequence[str],
    exclude: Sequence[str] = (),
    operators: Iterable[str] = OPERATORS,
) -> Generation:
    """Every mutant of every function of the project's contracts, sorted by id."""
    wanted = set(operators)
    unknown = wanted - set(OPERATORS)
    if unknown:
        raise ValueError(f"unknown mutation operator(s): {', '.join(sorted(unknown))}")
    raw: list[tuple[str, Any, int, int, str, str, str]] = []  # op, contract, start, end, new, old, kind
    dropped: dict[str, int] = defaultdict(int)
    texts: dict[str, bytes] = {}
    for contract in mutable_contracts(slither, sources, exclude):
        relative = contract.source_mapping.filename.relative
        if relative not in texts:
            texts[relative] = (root / relative).read_bytes()
        original = texts[relative]
        for op in sorted(wanted & set(SLITHER_OPERATORS)):
            for start, patch_end, old, new in _slither_patches(op, contract):
                # FHR and ROR give the whole function's / node's text as old_string over a shorter span;
                # the patch they mean is "old_string, where it starts, becomes new_string".
                end = start + len(old.encode("utf-8"))
                if original[start:end].decode("utf-8", "replace") != old or old == new:
                    dropped[op] += 1
                    continue
                del patch_end
                if op == "CR":
                    whole = _commented_statement(original, start, end, old)
                    if whole is None:
                        dropped[op] += 1
                        continue
                    end, new = whole
                raw.append((op, contract, start, end, new, old, "statement"))
        for op in sorted(wanted & set(GAMBIT_OPERATORS)):
            for start, end, new in _gambit_patches(op, contract):
                old = original[start:end].decode("utf-8", "replace")
                if old != new:
                    raw.append((op, contract, start, end, new, old, "span"))

    mutants: list[GeneratedMutant] = []
    seen: dict[tuple[str, ...], int] = defaultdict(int)
    for op, contract, start, end, new, _old, _kind in sorted(
        raw, key=lambda r: (r[1].source_mapping.filename.relative, r[2], r[3], r[0], r[4])
    ):
        relative = contract.source_mapping.filename.relative
        original = texts[relative]
        function, stmt_start, stmt_end = _enclosing(contract, start, end)
        stmt_start, stmt_end = min(stmt_start, start), max(stmt_end, end)
        before = normalise(original[stmt_start:stmt_end].decode("utf-8", "replace"))
        after = normalise(
            (original[stmt_start:start] + new.encode("utf-8") + original[end:stmt_end]).decode(
                "utf-8", "replace"
            )
        )
        if op == "FHR":
            if function == STATE:  # FHR also walks Slither's synthetic constructors, i.e. the contract
                continue
            before, after = before.split("{", 1)[0].strip(), after.split("{", 1)[0].strip()
        if before == after:
            continue
        key = (op, contract.name, function, before, after)
        seen[key] += 1
        ordinal = seen[key]
        digest = hashlib.sha256("\x1f".join((*key, str(ordinal))).encode("utf-8")).hexdigest()[:10]
        line = original[:start].count(b"\n") + 1
        mutants.append(
            GeneratedMutant(
                id=f"G-{op}-{digest}",
                operator=op,
                contract=contract.name,
                function=function,
                file=relative,
                start=start,
                end=end,
                replacement=new,
                line=line,
                before=before,
                after=after,
            )
        )
    unique = {m.id: m for m in mutants}
    return Generation(tuple(sorted(unique.values(), key=lambda m: m.id)), dict(sorted(dropped.items())))


def sample(mutants: Sequence[GeneratedMutant], size: int | None, seed: int) -> tuple[GeneratedMutant, ...]:
    """A deterministic sample, in id order: the ``size`` mutants whose SHA-256 of (``seed``, id) ranks
    lowest. A mutant's rank does not depend on the others, so a change to the population elsewhere (a new
    function, an operator that yields more) changes the sample by the mutants it adds or removes only,
    where a draw over the list reshuffled all of it."""
    ordered = sorted(mutants, key=lambda m: m.id)
    if size is None or size >= len(ordered):
        return tuple(ordered)
    ranked = sorted(ordered, key=lambda m: hashlib.sha256(f"{seed}\x1f{m.id}".encode()).digest())
    return tuple(sorted(ranked[:size], key=lambda m: m.id))


# ------------------------------------------------------------------------------------------ Slither


def _commented_statement(original: bytes, start: int, end: int, old: str) -> tuple[int, str] | None:
    """Slither's CR as a mutant that parses: the patch's end and replacement when the node it comments
    out is a whole statement on lines of its own, else None.

    CR puts ``//`` before a CFG node's source. For a statement alone on its line (``x = f(a);`` or
    ``return x;``) that comments out the statement and its ``;``. But a node is also an if-condition or a
    loop header's part (``if (//a > b) {``), a statement sharing its line with a brace
    (``{ //x = 1; }``), or one spanning lines, where ``//`` comments out the first line only: none of
    these parses, and a mutant killed by a syntax error says nothing about what the checks look at. A
    multi-line statement is commented out whole, with its ``;``, as ``/* … */``."""
    line_start = original.rfind(b"\n", 0, start) + 1
    if original[line_start:start].strip():
        return None  # something precedes the node on its line: `if (`, `for (`, `{`
    semicolon = end
    while semicolon < len(original) and original[semicolon : semicolon + 1] in (b" ", b"\t"):
        semicolon += 1
    if original[semicolon : semicolon + 1] != b";":
        return None  # not a statement: a condition, a loop header's part, a block
    line_end = original.find(b"\n", semicolon)
    rest = original[semicolon + 1 : len(original) if line_end < 0 else line_end].strip()
    if rest and not rest.startswith(b"//"):
        return None  # another statement or a brace follows on the line
    if b"\n" not in original[start:end]:
        return end, "//" + old
    if "*/" in old:
        return None
    return semicolon + 1, "/*" + original[start : semicolon + 1].decode("utf-8") + "*/"


def _slither_patches(op: str, contract: Any) -> Iterator[tuple[int, int, str, str]]:
    import importlib

    module = importlib.import_module(f"slither.tools.mutator.mutators.{op}")
    cls = getattr(module, op)
    # LIR appends each variable type's min/max to a module-level list it never clears: restore it
    # around every call, or the mutants of one contract would depend on which contracts came before.
    saved = list(getattr(module, "literal_replacements", []))
    if op == "LIR":
        # ... and gives each literal the values collected *so far*, walking Function.local_variables, a
        # list(set(...)) ordered by object address: which literal got which values changed from process
        # to process (LIR 22 or 23 mutants on the shipped contracts). Every literal gets all of them.
        module.literal_replacements[:] = _lir_values(contract)
    with tempfile.TemporaryDirectory(prefix="vaultproof-mutator-") as out:
        mutator = cls(
            contract.compilation_unit,
            0,
            "",
            "",
            contract,
            None,
            False,
            Path(out),
            [],
        )
        try:
            result = mutator._mutate()
        except Exception:  # a mutator crashing on one contract leaves the others' mutants intact
            result = {}
        finally:
            if hasattr(module, "literal_replacements"):
                module.literal_replacements[:] = saved
    # Each patch once, whatever the operator: LIR repeats a value it collects again, and a mutator that
    # reaches one node twice (a modifier body, an inherited function) would list its patch twice.
    once: set[tuple[int, int, str, str]] = set()
    for patches in result.get("patches", {}).values():
        for patch in patches:
            found = int(patch["start"]), int(patch["end"]), str(patch["old_string"]), str(patch["new_string"])
            if found not in once:
                once.add(found)
                yield found


def _lir_values(contract: Any) -> list[Any]:
    """What Slither's LIR collects from ``contract`` over its whole walk — each literal-initialised
    variable's elementary type's min and max, and ``1`` (unsigned) or ``-1`` (signed) — in one order.
    A type without a min (``bool``, ``address``) makes LIR raise wherever it meets it, so it is left for
    LIR to meet. This mirrors LIR's own walk (slither.tools.mutator.mutators.LIR of Slither 0.11.3): on a
    Slither upgrade, read LIR._mutate again; the LIR fixture test in tests/engine/test_mutation_generated.py
    pins the mutants it gives today."""
    from slither.core.expressions import Literal
    from slither.core.solidity_types import ElementaryType

    variables = [
        v
        for v in contract.state_variables_declared
        if v.initialized and not v.is_constant and isinstance(v.expression, Literal)
    ]
    variables += [
        v
        for f in contract.functions_and_modifiers_declared
        for v in f.local_variables
        if v.initialized and isinstance(v.expression, Literal)
    ]
    values: set[Any] = set()
    for v in variables:
        kind = v.type
        if not isinstance(kind, ElementaryType):
            continue
        name = str(kind)
        if name.startswith(("uint", "int")):
            values.update((kind.min, kind.max, "1" if name.startswith("uint") else "-1"))
    return sorted(values, key=lambda value: (isinstance(value, str), str(value)))


# ------------------------------------------------------------------------------------------- Gambit


def _span(obj: Any) -> tuple[int, int] | None:
    mapping = getattr(obj, "source_mapping", None)
    if mapping is None or mapping.length <= 0:
        return None
    return int(mapping.start), int(mapping.start + mapping.length)


def _expressions(expression: Any) -> Iterator[Any]:
    """``expression`` and every sub-expression, depth first."""
    from slither.core.expressions import (
        AssignmentOperation,
        BinaryOperation,
        CallExpression,
        ConditionalExpression,
        IndexAccess,
        MemberAccess,
        TupleExpression,
        TypeConversion,
        UnaryOperation,
    )

    if expression is None:
        return
    yield expression
    children: list[Any] = []
    if isinstance(expression, BinaryOperation | AssignmentOperation | IndexAccess):
        children = list(expression.expressions)
    elif isinstance(expression, CallExpression):
        children = [expression.called, *expression.arguments]
    elif isinstance(expression, ConditionalExpression):
        children = [expression.if_expression, expression.then_expression, expression.else_expression]
    elif isinstance(expression, TupleExpression):
        children = [e for e in expression.expressions if e is not None]
    elif isinstance(expression, UnaryOperation | TypeConversion | MemberAccess):
        children = [expression.expression]
    for child in children:
        yield from _expressions(child)


def _gambit_patches(op: str, contract: Any) -> Iterator[tuple[int, int, str]]:
    from slither.core.cfg.node import NodeType
    from slither.core.expressions import BinaryOperation, CallExpression

    filename = contract.source_mapping.filename.absolute
    for function in contract.functions_and_modifiers_declared:
        for node in function.nodes:
            if node.source_mapping is None or node.source_mapping.filename.absolute != filename:
                continue
            expression = node.expression
            if op == "ICM" and node.type == NodeType.IF and (span := _span(expression)):
                yield span[0], span[1], "true"
                yield span[0], span[1], "false"
                continue
            for sub in _expressions(expression):
                if op == "REQ" and isinstance(sub, CallExpression):
                    if re.match(r"^(require|assert)\(", str(sub.called) + "(") and sub.arguments:
                        span = _span(sub.arguments[0])
                        if span:
                            yield span[0], span[1], "true"
                            yield span[0], span[1], "false"
                elif op == "SOA" and isinstance(sub, BinaryOperation) and str(sub.type) in _NON_COMMUTATIVE:
                    left, right = (_span(e) for e in sub.expressions)
                    text = contract.compilation_unit.core.source_code[filename].encode("utf-8")
                    if left and right and left[1] <= right[0]:
                        a = text[left[0] : left[1]].decode("utf-8")
                        b = text[right[0] : right[1]].decode("utf-8")
                        middle = text[left[1] : right[0]].decode("utf-8")
                        if a != b:
                            yield left[0], right[1], f"{b}{middle}{a}"
                elif op == "SFA" and isinstance(sub, CallExpression) and len(sub.arguments) >= 2:
                    if _BUILTIN_CALLS.match(str(sub.called)):
                        continue
                    text = contract.compilation_unit.core.source_code[filename].encode("utf-8")
                    spans = [_span(a) for a in sub.arguments]
                    for first, second in itertools.pairwise(spans):
                        if first and second and first[1] <= second[0]:
                            a = text[first[0] : first[1]].decode("utf-8")
                            b = text[second[0] : second[1]].decode("utf-8")
                            if a != b:
                                middle = text[first[1] : second[0]].decode("utf-8")
                                yield first[0], second[1], f"{b}{middle}{a}"
                                break


def _enclosing(contract: Any, start: int, end: int) -> tuple[str, int, int]:
    """The innermost function whose body holds the span, and the statement (CFG node) around it.

    Slither's synthetic ``slitherConstructor*Variables`` functions span the whole contract: they are
    skipped, so a state variable's initializer is reported under ``STATE``.
    """
    best: tuple[str, int, int] | None = None
    best_width = None
    for function in contract.functions_and_modifiers_declared:
        span = _span(function)
        if function.name.startswith("slitherConstructor") or span is None:
            continue
        if not (span[0] <= start and end <= span[1]):
            continue
        if best_width is not None and span[1] - span[0] >= best_width:
            continue
        best_width = span[1] - span[0]
        statement = (span[0], span[1])
        for node in function.nodes:
            node_span = _span(node)
            if node_span is None or not (node_span[0] <= start and end <= node_span[1]):
                continue
            if node_span[1] - node_span[0] < statement[1] - statement[0]:
                statement = node_span
        if statement == span:  # a header mutant (FHR): show the header, not the whole body
            statement = (start, end)
        best = (function.name, statement[0], statement[1])
    if best is not None:
        return best
    return STATE, start, end

"""What the proofs executed: functions and source lines, per obligation and per property.

A verdict is a statement about the code only for the functions some obligation executed (SPEC §4.4), so
obligations carry ``executed`` (the functions whose SlithIR built their terms) and ``lines`` (the source
lines that execution ran). This module merges them, derives them for the pure-function tie, and reads
each targeted function's source and statement lines from Slither for proof coverage and the report.

A *statement line* is the first source line of a CFG node that does something (Slither's
``ENTRYPOINT``, ``ENDIF``, ``STARTLOOP``, ``ENDLOOP``, end-of-assembly and placeholder nodes are
structure). The executors report executed lines with the same definition, so coverage is
executed ∩ statement lines.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from vaultproof.prover.obligation import Obligation
from vaultproof.results import FunctionCoverage, FunctionRef, FunctionSource, LineHits

_STRUCTURAL = ("ENTRY_POINT", "OTHER_ENTRYPOINT", "END_IF", "END_LOOP", "BEGIN_LOOP", "END INLINE ASM", "_")
_WHERE_LINE = re.compile(r" line (\d+): (.*)$")


def merge_lines(groups: Iterable[Iterable[LineHits]]) -> tuple[LineHits, ...]:
    """One sorted :class:`LineHits` per file over all ``groups``."""
    by_file: dict[str, set[int]] = {}
    for group in groups:
        for hits in group:
            by_file.setdefault(hits.file, set()).update(hits.lines)
    return tuple(LineHits(f, tuple(sorted(lines))) for f, lines in sorted(by_file.items()))


def function_ref(name: str) -> FunctionRef:
    """``"Lib.fn"`` or ``"Lib.fn(uint256)"`` → ``FunctionRef("Lib", "fn")``."""
    contract, _, function = name.partition(".")
    return FunctionRef(contract, function.partition("(")[0])


def pure_execution(fn: Any) -> tuple[tuple[FunctionRef, ...], tuple[LineHits, ...]]:
    """Functions and lines a symbolic execution of a lowered pure function (``PureFunctionIR``) runs.

    The pure executor forks at every branch of the CFG, so it visits every node; the lines come from
    each node's ``where`` ("Lib.fn line N: text") and the file from the function's ``source`` ("file:N").
    """
    functions: set[FunctionRef] = set()
    lines: list[LineHits] = []
    for ir in (fn, *(callee for _, callee in getattr(fn, "callees", ()))):
        functions.add(function_ref(ir.name))
        file = str(ir.source).rpartition(":")[0]
        found = set()
        for node in ir.nodes:
            match = _WHERE_LINE.search(node.where)
            if match and match.group(2) not in _STRUCTURAL and int(match.group(1)) > 0:
                found.add(int(match.group(1)))
        if file and found:
            lines.append(LineHits(file, tuple(sorted(found))))
    return tuple(sorted(functions)), merge_lines([lines])


def on_code(
    obligations: Sequence[Obligation],
    executed: Sequence[FunctionRef],
    lines: Sequence[LineHits] = (),
) -> list[Obligation]:
    """``obligations`` marked as executing ``executed`` (and ``lines``), keeping what they already name."""
    out = []
    for ob in obligations:
        out.append(
            dataclasses.replace(
                ob,
                executed=tuple(sorted({*ob.executed, *executed})),
                lines=merge_lines([ob.lines, lines]),
            )
        )
    return out


def executed_by(obligations: Iterable[Obligation]) -> tuple[tuple[FunctionRef, ...], tuple[LineHits, ...]]:
    """Union of what ``obligations`` executed: sorted functions and merged lines."""
    obligations = list(obligations)
    functions = sorted({f for ob in obligations for f in ob.executed})
    return tuple(functions), merge_lines(ob.lines for ob in obligations)


# ------------------------------------------------------------------------------- sources from Slither


def function_sources(slither: Any, root: Path, targets: Iterable[FunctionRef]) -> tuple[FunctionSource, ...]:
    """Source text and statement lines of each target (its first declaration of that name), sorted.

    A target Slither does not declare (validated elsewhere) or whose file cannot be read is left out:
    the report then shows no source for it, and its coverage has no statement lines.
    """
    wanted = set(targets)
    found: dict[FunctionRef, FunctionSource] = {}
    for contract in slither.contracts:
        for function in contract.functions_and_modifiers_declared:
            ref = FunctionRef(contract.name, function.name)
            if ref not in wanted or ref in found:
                continue
            mapping = function.source_mapping
            if mapping is None or not mapping.lines:
                continue
            relative = mapping.filename.relative
            try:
                text = (root / relative).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                continue
            start, end = min(mapping.lines), max(mapping.lines)
            found[ref] = FunctionSource(
                function=ref,
                file=Path(relative).as_posix(),
                start_line=start,
                text=tuple(text[start - 1 : end]),
                statement_lines=statement_lines(function),
            )
    return tuple(found[ref] for ref in sorted(found))


def statement_lines(function: Any) -> tuple[int, ...]:
    """First source line of each non-structural CFG node of a Slither function."""
    lines = set()
    for node in function.nodes:
        if str(node.type.value) in _STRUCTURAL:
            continue
        mapping = node.source_mapping
        if mapping is not None and mapping.lines:
            lines.add(mapping.lines[0])
    return tuple(sorted(lines))


def coverage_of(
    targets: Sequence[FunctionRef],
    sources: Mapping[FunctionRef, FunctionSource],
    executed_lines: Sequence[LineHits],
) -> tuple[FunctionCoverage, ...]:
    """Per target (in declaration order), its statement lines and those ``executed_lines`` ran."""
    ran = {hits.file: set(hits.lines) for hits in executed_lines}
    out = []
    for target in targets:
        source = sources.get(target)
        if source is None:
            continue
        hit = ran.get(source.file, set())
        out.append(
            FunctionCoverage(
                function=target,
                file=source.file,
                statement_lines=source.statement_lines,
                executed_lines=tuple(line for line in source.statement_lines if line in hit),
            )
        )
    return tuple(out)


def tied(ctx: Any, function: str, obligations: Obligation | Sequence[Obligation]) -> list[Obligation]:
    """``obligations`` built from the extracted pure ``function`` (``"Lib.fn"``), marked as executing it
    and its callees on code (the tie of a model to a pure library function counts as executing it)."""
    from vaultproof.prover.extract import lowered

    items = [obligations] if isinstance(obligations, Obligation) else list(obligations)
    return on_code(items, *pure_execution(lowered(ctx, function)))

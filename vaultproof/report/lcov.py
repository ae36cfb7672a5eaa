"""``proof-coverage.lcov``: which source lines the proofs execute, for editors and coverage tools.

LCOV tracefile (geninfo's format). One record per source file, files sorted by path (relative to the
project root, so the file is the same from any checkout): ``FN``/``FNDA`` for each targeted function
(hits = how many properties executed it on code), ``DA:line,hits`` for every statement line of a
targeted function and every other line a proof executed (hits = how many properties' code obligations
executed that line; 0 = declared as a target but never executed, i.e. not proved on code), then the
``FNF``/``FNH``/``LF``/``LH`` totals and ``end_of_record``.
"""

from __future__ import annotations

from vaultproof.report import view
from vaultproof.results import RunResult


def lcov_document(result: RunResult) -> str:
    result = view.normalise(result)
    lines_by_file = view.line_hits(result)
    function_hits = view.function_hits(result)
    functions_by_file: dict[str, list[tuple[int, str, int]]] = {}
    for source in result.sources:
        functions_by_file.setdefault(source.file, []).append(
            (source.start_line, str(source.function), function_hits.get(source.function, 0))
        )
    out = ["TN:vaultproof-proofs"]
    for file in sorted(set(lines_by_file) | set(functions_by_file)):
        out.append(f"SF:{file}")
        functions = sorted(functions_by_file.get(file, []))
        out += [f"FN:{line},{name}" for line, name, _ in functions]
        out += [f"FNDA:{hits},{name}" for _, name, hits in functions]
        out.append(f"FNF:{len(functions)}")
        out.append(f"FNH:{sum(1 for *_, hits in functions if hits)}")
        lines = lines_by_file.get(file, {})
        out += [f"DA:{line},{hits}" for line, hits in sorted(lines.items())]
        out.append(f"LF:{len(lines)}")
        out.append(f"LH:{sum(1 for hits in lines.values() if hits)}")
        out.append("end_of_record")
    return "\n".join(out) + "\n"

"""Equivalent and duplicate mutants, from the compile outcomes of every mutant.

The witness is the creation bytecode of one deployable contract that contains the mutated code,
compiled without the optimizer and without the CBOR metadata (``appendCBOR: false``), so that two
programs have equal bytecode exactly when solc generated the same code for them. Without the optimizer
this is conservative: a mutant whose effect the optimizer would have removed is *not* recognised as
equivalent here, it is run and can only survive. A mutant that no deployable contract contains
(an internal function nothing calls) has no witness: it cannot change any deployed behaviour and is
equivalent by construction.

- equivalent: digest equal to the unmutated code's (or no witness);
- duplicate: digest equal to that of a mutant with a smaller id (same witness): it is the same program.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from vaultproof.mutation.attribute import MutantRun
from vaultproof.results import MutantOutcome

ORIGINAL = "original"


def classify(runs: Iterable[MutantRun]) -> dict[str, tuple[MutantRun, str]]:
    """Each run with what it is equivalent to: ``original``, the id of the smaller mutant it
    duplicates (its outcome becomes DUPLICATE), or ``""``."""
    first: dict[tuple[str, str], str] = {}
    out: dict[str, tuple[MutantRun, str]] = {}
    for run in sorted(runs, key=lambda r: r.mutant_id):
        if run.outcome is MutantOutcome.EQUIVALENT:
            out[run.mutant_id] = (run, ORIGINAL)
        elif run.outcome is MutantOutcome.COMPILE_ERROR or not run.digest:
            out[run.mutant_id] = (run, "")
        elif (run.witness, run.digest) in first:
            twin = first[(run.witness, run.digest)]
            out[run.mutant_id] = (
                replace(run, outcome=MutantOutcome.DUPLICATE, killed_by=(), undecided=()),
                twin,
            )
        else:
            first[(run.witness, run.digest)] = run.mutant_id
            out[run.mutant_id] = (run, "")
    return out

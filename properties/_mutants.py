"""The campaign's flow mutants (``properties/mutants.toml``, SPEC §4.5) as the properties' broken code twins.

A property's code twin is, for most properties, one of the campaign's mutants: the same edit of the same
file. Naming the mutant by its id writes that edit once, in the campaign, so the twin and the mutant cannot
drift apart when the Solidity they match changes.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from vaultproof.spec import CodeTwin

MUTANTS: dict[str, dict[str, str]] = {
    entry["id"]: entry
    for entry in tomllib.loads(Path(__file__).with_name("mutants.toml").read_text(encoding="utf-8"))["mutant"]
}


def mutant_twin(mutant_id: str, description: str | None = None) -> CodeTwin:
    """The campaign's mutant ``mutant_id`` as a code twin: its file, find and replace, and its description
    unless the property words the defect in its own terms (``description``, shown in the reports)."""
    mutant = MUTANTS[mutant_id]
    return CodeTwin(
        file=mutant["file"],
        find=mutant["find"],
        replace=mutant["replace"],
        description=mutant["description"] if description is None else description,
    )

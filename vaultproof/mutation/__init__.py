"""Mutation testing: the hand-written campaign (``handwritten``) and the generated one (``campaign``).

``handwritten`` keeps the protocol's named mutants (``[prove] mutants = ...``), run on the generated
campaign's incremental path; the generated campaign lives in its own modules, one job each:

- ``generate``: mutants over every function of the project's sources (Slither's mutators as a library
  plus the Gambit operators they lack), each with a stable id;
- ``solc``: one long-lived solc-js process per worker, fed standard-JSON with a minimal output selection;
- ``equivalence``: bytecode witnesses; equivalent and duplicate mutants are kept out of the score;
- ``attribute``: which stage kills a mutant (proof, detector, forge test), or that it survived;
- ``campaign``: the orchestration and the scores.

Proof jobs and mutant runs share one executor interface: :mod:`vaultproof.executor`.
"""

from vaultproof.mutation.handwritten import Mutant, Reference, as_patch, load_mutants, run_mutants

__all__ = ["Mutant", "Reference", "as_patch", "load_mutants", "run_mutants"]

"""Bytecode evidence: what the compiled contracts do, beside what the models prove.

Two kinds, both run by forge on the compiled bytecode and reported next to (never instead of) a verdict:

- **replay** (``repro``): every VIOLATED result's counterexample becomes a generated Foundry test under
  ``build/repro/`` that deploys the system, sets the counterexample's state, calls the entry point and
  asserts the violation. REPLAYED when the bytecode agrees, REPLAY-DIFFERS when it does not (a finding in
  itself: model and code disagree). How a counterexample maps to a deployment and a call is protocol
  knowledge, so the protocol's property package declares one recipe per id (``REPLAY_RECIPES``).
- **invariant** (``invariants``): the protocol's forge ``invariant_`` suites; FUZZED (runs × depth, no
  violation) or FAILED with forge's shrunk call sequence. An invariant's function name carries the
  property id it exercises (``invariant_DEBT_6_...`` → DEBT-6).

``forge`` is the only module that starts forge; the engine knows no protocol names.
"""

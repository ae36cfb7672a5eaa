"""SlithIR of ``pure`` library functions → Z3, so that the models are tied to the code (SPEC §4.4).

Thin re-export of the pure-function API: the implementation lives in :mod:`vaultproof.prover.code`
(``ir``, ``types``, ``lower``, ``pure``, ``obligations``). The IR's node classes (``Assign``, ``BinOp``,
...) are not repeated here: they are the executor's vocabulary, imported from
:mod:`vaultproof.prover.code.ir` by the two modules that build and read them (``lower``, ``pure``).

Two layers, so that Slither objects stay in the main process and Z3 objects are built where they
are used (Z3 terms never cross process boundaries):

1. :func:`lower_function` turns a Slither ``Function`` into :class:`PureFunctionIR`, a plain, frozen,
   picklable copy of its CFG (``function.nodes`` / ``node.irs``, non-SSA form). Anything outside the
   supported subset raises :class:`ExtractionError` naming the function, the source line and the IR
   — never a silent approximation. :func:`extract_library_functions` lowers every ``internal`` /
   ``private`` ``pure`` function of the project's libraries; one that cannot be lowered is kept as an
   :class:`UnsupportedFunction` whose reason is raised when a model asks for it.
2. :func:`instantiate` (or :func:`extracted` from a :class:`ModelContext`) symbolically executes that
   CFG over Z3 ``Int``/``Bool`` terms and returns an :class:`ExtractedFunction`: one Z3 expression per
   return value (an ``If`` chain over the paths), and Solidity 0.8's revert conditions — each checked
   overflow/underflow, division or modulo by zero, failed ``require``/``assert``, explicit ``revert`` —
   as separate :class:`Check` s, plus silent narrowing conversions (``uint128(x)`` truncates, it does not
   revert) as ``truncations``. ``reverts`` is their disjunction.

Supported IR: ``Binary`` (``+ - * / % **`` — ``**`` with a constant exponent, or a constant base and a
bounded exponent —, ``<< >>`` by a constant, comparisons, ``&& ||``), ``Unary`` (``! ~``),
``Assignment``, ``TypeConversion`` between integer types, ``Condition`` (if/else and ternaries, which
Slither splits into ``IF`` nodes), ``Return`` of values and tuples, ``require``/``assert``/``revert``,
``InternalCall``/``LibraryCall`` of other extractable pure functions (inlined), ``Unpack`` of their
tuples, constant state variables (folded by :mod:`vaultproof.prover.params`) also through ``Lib.NAME``.
Loops, storage, memory arrays/structs, bitwise ``& | ^``, assembly and external calls are rejected:
loops are proved by induction in the models, not unrolled here.

Semantics: integers are mathematical (``Int``) with the type's range as an assumption on inputs; an
arithmetic result's type follows Solidity (a literal adopts the other operand's type; two typed
operands their common type; ``**`` and shifts the base's type, ``uint256`` for a literal base);
checked operations add a revert check, ``unchecked`` ones wrap modulo 2**N. Division rounds toward
zero (explicit for signed operands).

:func:`equivalence_obligation` builds the obligation "extracted function == hand-written model on
every non-reverting input in range", and :func:`safety_obligations` one obligation per revert check.
"""

from __future__ import annotations

from vaultproof.prover.code.ir import (
    MAX_CONSTANT_EXPONENT,
    MAX_INLINE_DEPTH,
    MAX_PATHS,
    ExtractionError,
    PureFunctionIR,
    UnsupportedFunction,
)
from vaultproof.prover.code.lower import (
    extract_function,
    extract_library_functions,
    functions_from_contracts,
    lower_function,
)
from vaultproof.prover.code.obligations import (
    ModelOutput,
    Units,
    equivalence_obligation,
    safety_obligations,
)
from vaultproof.prover.code.pure import Check, ExtractedFunction, extracted, instantiate, lowered
from vaultproof.prover.code.types import (
    COMPARISONS,
    binary_result_type,
    fold_literals,
    int_spec,
    type_range,
)

__all__ = [
    "COMPARISONS",
    "MAX_CONSTANT_EXPONENT",
    "MAX_INLINE_DEPTH",
    "MAX_PATHS",
    "Check",
    "ExtractedFunction",
    "ExtractionError",
    "ModelOutput",
    "PureFunctionIR",
    "Units",
    "UnsupportedFunction",
    "binary_result_type",
    "equivalence_obligation",
    "extract_function",
    "extract_library_functions",
    "extracted",
    "fold_literals",
    "functions_from_contracts",
    "instantiate",
    "int_spec",
    "lower_function",
    "lowered",
    "safety_obligations",
    "type_range",
]

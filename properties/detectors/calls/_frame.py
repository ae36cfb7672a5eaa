"""The shared frame selection of the must-not-revert detectors (ST-1, ST-2, ST-3): an abstract base.

A must-not-revert frame is everything a liquidation-like entry point reaches. The roots are, in order of
precedence: the configured ``functions`` (exactly those, internal callees followed by each detector);
otherwise every project function whose name matches ``roots`` (names or globs, ``Contract.fn`` or ``fn``;
the defaults below cover the usual liquidation and flash-loan entry points of lending and perp markets)
or the ``pattern`` regex, plus every project function those roots reach through the call graph,
internal calls and external calls into the project's own contracts alike (an interface call reaches
every project implementation of that signature).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any, ClassVar

from slither.core.declarations import Contract, Function
from slither.slithir.operations import HighLevelCall

from properties.detectors import _ir
from properties.detectors._base import VaultproofDetector, by_canonical_name, pattern_match
from vaultproof.graphs import walk

# Names of functions that must complete (liquidation/settlement frames) when none are configured.
FRAME_PATTERN = r"(?i)(liquidat|settle|deficit|cover|release|unwind|backstop|socializ)"

# Entry points that must complete, matched exactly or as globs: liquidations (Aave/Compound/Morpho/
# perp markets: liquidate*, absorb*, seize*, buyCollateral, ADL/backstop), and flash-loan callbacks,
# which run inside another protocol's frame that reverts with them (ERC-3156 onFlashLoan, Aave
# executeOperation, Uniswap V2/V3 and Pancake callbacks, Balancer receiveFlashLoan, dYdX callFunction,
# Morpho onMorphoFlashLoan).
DEFAULT_ROOTS = [
    "liquidat*",
    "absorb*",
    "seize*",
    "buyCollateral",
    "autoDeleverage*",
    "onFlashLoan",
    "executeOperation",
    "uniswapV2Call",
    "uniswapV3FlashCallback",
    "uniswapV3SwapCallback",
    "pancakeCall",
    "pancakeV3FlashCallback",
    "receiveFlashLoan",
    "callFunction",
    "onMorphoFlashLoan",
]


def matches_root(function: Function, roots: list[str], contract: Contract) -> bool:
    """``roots`` holds ``fn``, ``Contract.fn`` or globs of either (``liquidat*``, ``*.absorb``)."""
    owners = {contract.name, function.contract_declarer.name}
    for entry in roots:
        owner, _, name = entry.rpartition(".")
        if fnmatchcase(function.name, name) and (not owner or any(fnmatchcase(o, owner) for o in owners)):
            return True
    return False


def reachable(detector: VaultproofDetector, roots: list[Function]) -> list[Function]:
    """``roots`` plus every project entry point they reach through external calls into the project's own
    contracts (internal callees are followed by the detectors themselves), in a stable order."""
    implementations: dict[str, list[Function]] = {}
    project = detector.all_project_contracts()
    for contract in project:
        if contract.is_interface:
            continue
        for function in contract.functions:
            if function.is_implemented and function.visibility in ("public", "external"):
                implementations.setdefault(function.full_name, []).append(function)

    def entered(function: Function) -> list[Function]:
        return [
            implementation
            for reached in _ir.functions_reached([function])
            for node in reached.nodes
            for ir in node.irs
            if isinstance(ir, HighLevelCall) and isinstance(ir.function, Function)
            for implementation in implementations.get(ir.function.full_name, [])
        ]

    return sorted(walk(roots, entered), key=by_canonical_name)


def frame(
    detector: VaultproofDetector, configured: list[str], roots: list[str], pattern: str
) -> list[Function]:
    """The must-not-revert frame roots: ``configured`` exactly, else named roots and what they reach."""
    candidates = detector.selected_functions(configured, with_modifiers=False)
    if configured:
        return candidates
    named = [
        f
        for f in candidates
        if pattern_match(pattern, f.name) or (roots and matches_root(f, roots, f.contract_declarer))
    ]
    return reachable(detector, named)


class FrameDetector(VaultproofDetector):
    """Shared selection: configured ``functions``, else ``roots``/``pattern`` and what they reach. A subclass
    adds its own settings to these (``DEFAULTS = {**FrameDetector.DEFAULTS, ...}``)."""

    DEFAULTS: ClassVar[dict[str, Any]] = {"functions": [], "pattern": FRAME_PATTERN, "roots": DEFAULT_ROOTS}

    def frame_roots(self) -> list[Function]:
        return frame(self, self.settings["functions"], self.settings["roots"], self.settings["pattern"])

"""The shared frame selection of the must-not-revert detectors (ST-1, ST-3): an abstract base, no detector."""

from __future__ import annotations

from slither.core.declarations import Function

from properties.detectors._base import VaultproofDetector, pattern_match

# Names of functions that must complete (liquidation/settlement frames) when none are configured.
FRAME_PATTERN = r"(?i)(liquidat|settle|deficit|cover|release|unwind|backstop|socializ)"


class FrameDetector(VaultproofDetector):
    """Shared selection: configured ``functions`` (``Contract.fn``) or the ``pattern`` heuristic."""

    def frame_roots(self) -> list[Function]:
        configured: list[str] = self.settings["functions"]
        pattern: str = self.settings["pattern"]
        candidates = self.selected_functions(configured, with_modifiers=False)
        return candidates if configured else [f for f in candidates if pattern_match(pattern, f.name)]

"""Protocol parameters read from the compiled contracts (placeholder: filled by the prover issue)."""

from __future__ import annotations

from vaultproof.compile import CompiledProject


def extract_params(project: CompiledProject) -> dict[str, int]:
    return {}

"""Mutation campaign (placeholder: seeded bugs per property family)."""

from __future__ import annotations

from vaultproof.config import Config
from vaultproof.console import Console
from vaultproof.prover.registry import Registry
from vaultproof.results import MutantResult


def run_mutants(config: Config, registry: Registry, console: Console) -> tuple[MutantResult, ...]:
    return ()

"""Errors that end a run with one line and exit code 2 (bad input or tool failure)."""

from __future__ import annotations


class VaultproofError(Exception):
    """A user-facing failure: the message is printed as one line, the exit code is 2."""

    def one_line(self) -> str:
        text = " ".join(str(self).split())
        return f"vaultproof: error: {text}"


class ConfigError(VaultproofError):
    """A malformed or missing ``vaultproof.toml`` (or command-line option)."""


class CompileError(VaultproofError):
    """The Solidity sources do not compile; the message names file, line and compiler text."""


class ToolchainError(VaultproofError):
    """A required tool (node, the solc shim, forge) is missing or failed to run."""


class RegistryError(VaultproofError):
    """A property or detector declaration is incomplete, duplicated, or names a missing target."""


class BaselineError(VaultproofError):
    """The committed baseline is missing fields, of an unknown version, or not JSON."""


class ToolError(VaultproofError):
    """A tool failed (a crashing properties module, plugin, detector or solver call): exit 2, not 1,
    so CI never reads a crash as a failed gate."""


class ContainmentError(ConfigError):
    """A path of the analysed project resolves outside it, or a write would follow a symlink."""

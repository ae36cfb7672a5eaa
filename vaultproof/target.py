"""The target's own compile settings: what its foundry.toml, remappings.txt, lib/ and node_modules say,
each overridable in ``[project]`` of its vaultproof.toml.

Precedence, per setting: ``vaultproof.toml [project]`` → ``foundry.toml [profile.<foundry_profile>]``
(a named profile inherits ``[profile.default]``, as in Foundry) → the default below. Remappings are
the exception in one way: a ``remappings`` list in vaultproof.toml replaces all others; otherwise
foundry.toml's, then remappings.txt's, then one per package found in the target's ``libs`` and
``node_modules`` (Foundry's auto-remapping), the first for a prefix winning. Nothing is ever resolved
against vaultproof's own node_modules: a target compiles against the dependencies it ships.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vaultproof.errors import ConfigError

FOUNDRY = "foundry.toml"
REMAPPINGS_TXT = "remappings.txt"
# Directories whose files are dependencies, not the project's code, wherever they sit under the root.
DEFAULT_DEPENDENCY_DIRS = ("node_modules", "lib")


@dataclass(frozen=True)
class Setting:
    """A resolved value and where it came from (named in errors: "evm_version 'cancun' (foundry.toml)")."""

    value: Any
    origin: str


@dataclass(frozen=True)
class CompileSettings:
    solc_version: Setting  # value: "x.y.z" or None (resolve from the pragmas)
    optimizer: Setting  # bool
    optimizer_runs: Setting  # int
    via_ir: Setting  # bool
    evm_version: Setting  # str or None (the compiler's default)
    remappings: tuple[str, ...]
    libs: tuple[str, ...]


def foundry_profile(root: Path, profile: str) -> tuple[Mapping[str, Any], str]:
    """``[profile.default]`` overlaid with ``[profile.<profile>]``, and the label errors name it by."""
    path = root / FOUNDRY
    if not path.is_file():
        if profile != "default":
            raise ConfigError(f"vaultproof.toml: [project] foundry_profile {profile!r} but no {path}")
        return {}, FOUNDRY
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from None
    profiles = data.get("profile", {})
    if not isinstance(profiles, dict):
        return {}, FOUNDRY
    if profile != "default" and profile not in profiles:
        raise ConfigError(f"vaultproof.toml: [project] foundry_profile {profile!r} is not in {path}")
    merged: dict[str, Any] = {}
    for name in dict.fromkeys(("default", profile)):
        table = profiles.get(name, {})
        if isinstance(table, dict):
            merged.update(table)
    return merged, f"{FOUNDRY} [profile.{profile}]"


def _read_remappings_txt(root: Path) -> list[str]:
    path = root / REMAPPINGS_TXT
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def auto_remappings(root: Path, libs: tuple[str, ...]) -> list[str]:
    """One remapping per package under the target's ``node_modules`` and each ``libs`` directory."""
    found: list[str] = []
    for lib in dict.fromkeys((*libs, "node_modules")):
        directory = root / lib
        if not directory.is_dir():
            continue
        for entry in sorted(directory.iterdir()):
            if entry.name.startswith(".") or not entry.is_dir():
                continue
            if lib == "node_modules" or entry.name.startswith("@"):
                found.append(f"{entry.name}/={lib}/{entry.name}/")
            elif (entry / "src").is_dir():
                found.append(f"{entry.name}/={lib}/{entry.name}/src/")
            else:
                found.append(f"{entry.name}/={lib}/{entry.name}/")
    return found


def _first_per_prefix(remappings: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for entry in remappings:
        if "=" not in entry:
            raise ConfigError(f"remapping {entry!r} is not of the form prefix=target")
        seen.setdefault(entry.partition("=")[0], entry)
    return tuple(seen.values())


def _pick(
    project: Mapping[str, Any],
    foundry: Mapping[str, Any],
    key: str,
    fkey: str,
    origin: str,
    kind: type,
    default: Any,
) -> Setting:
    if key in project:
        value, where = project[key], "vaultproof.toml [project]"
    elif fkey in foundry:
        value, where = foundry[fkey], origin
    else:
        return Setting(default, "default")
    if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
        raise ConfigError(f"{where}: {key} must be of type {kind.__name__}, got {value!r}")
    return Setting(value, where)


def resolve(root: Path, project: Mapping[str, Any]) -> CompileSettings:
    """The compile settings of the target at ``root`` given its ``[project]`` table."""
    profile_name = project.get("foundry_profile", "default")
    if not isinstance(profile_name, str):
        raise ConfigError("vaultproof.toml: [project] foundry_profile must be a string")
    foundry, origin = foundry_profile(root, profile_name)

    # foundry.toml spells the version `solc_version`, or `solc` when that is a version and not a path.
    foundry_solc = dict(foundry)
    solc = foundry.get("solc")
    if "solc_version" not in foundry_solc and isinstance(solc, str) and solc[:1].isdigit():
        foundry_solc["solc_version"] = solc
    solc_version = _pick(project, foundry_solc, "solc_version", "solc_version", origin, str, None)
    optimizer_runs = _pick(project, foundry, "optimizer_runs", "optimizer_runs", origin, int, 200)
    # A configured optimizer_runs in vaultproof.toml has always meant "optimizer on with these runs".
    default_on = "optimizer_runs" in project
    optimizer = _pick(project, foundry, "optimizer", "optimizer", origin, bool, default_on)
    via_ir = _pick(project, foundry, "via_ir", "via_ir", origin, bool, False)
    evm_version = _pick(project, foundry, "evm_version", "evm_version", origin, str, None)

    libs_setting = _pick(project, foundry, "libs", "libs", origin, list, ["lib"])
    libs = tuple(str(v) for v in libs_setting.value)
    if "remappings" in project:
        explicit = project["remappings"]
        if not isinstance(explicit, list) or not all(isinstance(v, str) for v in explicit):
            raise ConfigError("vaultproof.toml: [project] remappings must be a list of strings")
        remappings = _first_per_prefix(list(explicit))
    else:
        from_foundry = foundry.get("remappings", [])
        if not isinstance(from_foundry, list) or not all(isinstance(v, str) for v in from_foundry):
            raise ConfigError(f"{origin}: remappings must be a list of strings")
        remappings = _first_per_prefix(
            [*from_foundry, *_read_remappings_txt(root), *auto_remappings(root, libs)]
        )
    return CompileSettings(
        solc_version=solc_version,
        optimizer=optimizer,
        optimizer_runs=optimizer_runs,
        via_ir=via_ir,
        evm_version=evm_version,
        remappings=remappings,
        libs=libs,
    )

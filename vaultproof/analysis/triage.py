"""Triage of static findings: a TOML list of reviewed findings, each with a one-line reason.

```toml
[[finding]]
detector = "calls-loop"          # required
contract = "OrderBook"           # required
function = "placeMarketOrder"    # required ("" for contract-level findings)
fingerprint = "ab12…"            # optional: pins one finding when a function has several
reason = "walks price levels of the book; bounded by MAX_LEVELS_PER_ORDER"  # required
```

An entry with a fingerprint matches that finding only; without, every finding of that detector in that
function. Entries that match nothing are reported as stale, so the file cannot rot silently.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path

from vaultproof.errors import ConfigError
from vaultproof.results import StaticFinding


@dataclass(frozen=True)
class TriageEntry:
    detector: str
    contract: str
    function: str
    reason: str
    fingerprint: str = ""

    def matches(self, finding: StaticFinding) -> bool:
        if self.fingerprint:
            return finding.fingerprint == self.fingerprint
        return (self.detector, self.contract, self.function) == (
            finding.detector,
            finding.contract,
            finding.function,
        )

    def describe(self) -> str:
        where = f"{self.contract}.{self.function}" if self.function else self.contract
        pinned = f" [{self.fingerprint[:12]}]" if self.fingerprint else ""
        return f"{self.detector} {where}{pinned}"


def load_triage(path: Path) -> tuple[TriageEntry, ...]:
    """Read a triage file; any malformed entry is a one-line ConfigError."""
    if not path.is_file():
        raise ConfigError(f"triage file {path} not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from None
    entries = data.get("finding", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: [[finding]] must be an array of tables")
    out = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: finding #{index} is not a table")
        missing = [k for k in ("detector", "contract", "function", "reason") if k not in entry]
        if missing:
            raise ConfigError(f"{path}: finding #{index} lacks {', '.join(missing)}")
        unknown = sorted(set(entry) - {"detector", "contract", "function", "reason", "fingerprint"})
        if unknown:
            raise ConfigError(f"{path}: finding #{index} has unknown key(s) {', '.join(unknown)}")
        if not all(isinstance(v, str) for v in entry.values()):
            raise ConfigError(f"{path}: finding #{index}: every value must be a string")
        if not entry["reason"].strip():
            raise ConfigError(f"{path}: finding #{index} ({entry['detector']}) has an empty reason")
        out.append(
            TriageEntry(
                detector=entry["detector"],
                contract=entry["contract"],
                function=entry["function"],
                reason=" ".join(entry["reason"].split()),
                fingerprint=entry.get("fingerprint", ""),
            )
        )
    return tuple(out)


def apply_triage(
    findings: tuple[StaticFinding, ...], entries: tuple[TriageEntry, ...]
) -> tuple[tuple[StaticFinding, ...], tuple[TriageEntry, ...]]:
    """Mark triaged findings (pinned entries win over broad ones); return them and the stale entries."""
    used: set[TriageEntry] = set()
    out = []
    ordered = sorted(entries, key=lambda e: not e.fingerprint)
    for finding in findings:
        entry = next((e for e in ordered if e.matches(finding)), None)
        if entry is None:
            out.append(finding)
            continue
        used.add(entry)
        out.append(dataclasses.replace(finding, triaged=True, triage_reason=entry.reason))
    stale = tuple(e for e in entries if e not in used)
    return tuple(out), stale

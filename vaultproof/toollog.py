"""What crytic-compile and Slither say while they work, kept instead of silenced.

Slither reports some of its own failures only as log records ("Impossible to generate IR for C.f"):
silencing them made results silently incomplete. Every record at warning or above is captured here,
written to ``reports/slither.log`` (project root stripped, no timestamps: same input, same bytes), and
the functions Slither could not lower to SlithIR are named so the analysis can refuse to call them clean.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

LOG_NAME = "slither.log"
# slither/solc_parsing/slither_compilation_unit_solc.py: the function's IR is missing, analysis goes on.
_NO_IR = re.compile(r"Impossible to generate IR for (?:top level function )?(?P<name>[^\s(]+)")
# Loggers vaultproof used to silence: they must reach the capture at warning level.
_TOOL_LOGGERS = ("CryticCompile", "Slither", "Detectors", "Printers")


@dataclass(frozen=True)
class LogLine:
    level: str
    logger: str
    message: str

    def render(self) -> str:
        return f"{self.level} {self.logger}: {self.message}"


@dataclass
class ToolLog:
    """Records in the order the tools emitted them (appended to by compile, Slither, detectors)."""

    lines: list[LogLine] = field(default_factory=list)

    def without_ir(self) -> tuple[str, ...]:
        """``Contract.function`` (or a top-level function) Slither could not lower to SlithIR."""
        names = {m.group("name") for line in self.lines for m in _NO_IR.finditer(line.message)}
        return tuple(sorted(names))

    def text(self) -> str:
        if not self.lines:
            return "(crytic-compile and Slither logged nothing at warning level or above)\n"
        return "".join(f"{line.render()}\n" for line in self.lines)


class _Capture(logging.Handler):
    def __init__(self, log: ToolLog, root: Path) -> None:
        super().__init__(level=logging.WARNING)
        self._log = log
        self._prefix = f"{root.resolve()}/"

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record must not break the analysis it describes
            message = str(record.msg)
        message = message.replace(self._prefix, "").rstrip()
        self._log.lines.append(LogLine(record.levelname, record.name, message))


@contextmanager
def capture_tool_logs(log: ToolLog, root: Path) -> Iterator[None]:
    """Route every warning-or-above record into ``log`` (and nowhere else: not onto stderr)."""
    handler = _Capture(log, root)
    top = logging.getLogger()
    tools = [logging.getLogger(name) for name in _TOOL_LOGGERS]
    saved = [lg.level for lg in tools]
    # The capture replaces the root's handlers for its duration: a tool that called basicConfig must not
    # print its warnings on stderr beside vaultproof's own one-line errors.
    saved_handlers = list(top.handlers)
    for lg in tools:
        if lg.level == logging.NOTSET or lg.level > logging.WARNING:
            lg.setLevel(logging.WARNING)
    top.handlers = [handler]
    try:
        yield
    finally:
        top.handlers = saved_handlers
        for lg, level in zip(tools, saved, strict=True):
            lg.setLevel(level)

"""Progress and tables: rich on a terminal, plain lines in CI or when piped, nothing but errors with --quiet.

- A terminal (stdout is a TTY and the ``CI`` variable is unset or empty): rich markup and tables.
- CI or a pipe: plain ``> step`` lines, flushed at once so CI logs show progress as it happens, and
  aligned plain-text tables; no colour codes or box characters to garble a log.
- ``--quiet``: only the summary line (stdout) and errors (stderr).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any


def _is_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


class Console:
    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.rich = sys.stdout.isatty() and not _is_ci() and not quiet
        self._rich_console: Any = None

    def _console(self) -> Any:
        # One rich console per Console (created lazily: rich is not imported at all in CI).
        if self._rich_console is None:
            from rich.console import Console as RichConsole

            self._rich_console = RichConsole(highlight=False)
        return self._rich_console

    def step(self, message: str) -> None:
        """A progress line for a long stage."""
        if self.quiet:
            return
        if self.rich:
            from rich.markup import escape

            self._console().print(f"[bold cyan]›[/] {escape(message)}")
        else:
            print(f"> {message}", flush=True)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        if self.quiet:
            return
        if self.rich:
            from rich.markup import escape
            from rich.table import Table

            table = Table(*headers)
            for row in rows:
                table.add_row(*(escape(str(cell)) for cell in row))
            self._console().print(table)
            return
        widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
        print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
        for row in rows:
            print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        sys.stdout.flush()

    def error(self, message: str) -> None:
        """An error line: always printed (even with --quiet), on stderr."""
        print(message, file=sys.stderr, flush=True)

    def always(self, message: str) -> None:
        """A line that --quiet keeps (the gate's reasons), on stdout."""
        print(message, flush=True)

    def summary(self, message: str) -> None:
        """The one line that is printed even with --quiet."""
        print(message, flush=True)

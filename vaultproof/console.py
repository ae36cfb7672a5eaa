"""Progress and tables: rich on a terminal, plain lines in CI or when piped, nothing but errors with --quiet."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence


class Console:
    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.rich = sys.stdout.isatty() and not os.environ.get("CI") and not quiet

    def step(self, message: str) -> None:
        """A progress line for a long stage."""
        if self.quiet:
            return
        if self.rich:
            from rich.console import Console as RichConsole

            RichConsole().print(f"[bold cyan]›[/] {message}")
        else:
            print(f"> {message}", flush=True)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        if self.quiet:
            return
        if self.rich:
            from rich.console import Console as RichConsole
            from rich.table import Table

            table = Table(*headers)
            for row in rows:
                table.add_row(*row)
            RichConsole().print(table)
            return
        widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
        print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
        for row in rows:
            print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())

    def summary(self, message: str) -> None:
        """The one line that is printed even with --quiet."""
        print(message, flush=True)

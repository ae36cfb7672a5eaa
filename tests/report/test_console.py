"""Console modes: rich on a terminal, plain lines in CI or a pipe, only summary and errors with --quiet."""

from __future__ import annotations

import io

import pytest

from vaultproof.console import Console


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("ci", "tty", "rich"), [("", True, True), ("true", True, False), ("", False, False)])
def test_mode_follows_terminal_and_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str, tty: bool, rich: bool
) -> None:
    monkeypatch.setenv("CI", ci)
    monkeypatch.setattr("sys.stdout", _Tty() if tty else io.StringIO())
    assert Console().rich is rich
    assert Console(quiet=True).rich is False


def test_plain_lines_in_ci(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CI", "1")
    console = Console()
    console.step("prove [1/2] ALLOC-1: PROVED")
    console.table(("id", "verdict"), [("ALLOC-1", "PROVED"), ("CONV-10", "VIOLATED")])
    console.summary("vaultproof: done")
    console.error("vaultproof: error: nope")
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "> prove [1/2] ALLOC-1: PROVED",
        "id       verdict",
        "ALLOC-1  PROVED",
        "CONV-10  VIOLATED",
        "vaultproof: done",
    ]
    assert captured.err == "vaultproof: error: nope\n"
    assert "\x1b[" not in captured.out  # no colour codes in a CI log


def test_quiet_prints_only_summary_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    console = Console(quiet=True)
    console.step("compile: contracts")
    console.table(("a",), [("b",)])
    console.summary("vaultproof: 1 properties")
    console.error("vaultproof: error: x")
    captured = capsys.readouterr()
    assert captured.out == "vaultproof: 1 properties\n"
    assert captured.err == "vaultproof: error: x\n"


def test_rich_mode_escapes_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "")
    out = _Tty()
    monkeypatch.setattr("sys.stdout", out)
    console = Console()
    assert console.rich
    console.step("prove [1/1] [bold]TINY-1[/bold]: PROVED")
    assert "[bold]TINY-1[/bold]" in out.getvalue()  # shown literally, not interpreted as markup

"""Report output: never through a symlink, the whole set or nothing, one run at a time."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from tests.fixtures.results import sample_result
from vaultproof.errors import ContainmentError, ToolError, VaultproofError
from vaultproof.output import LOCK_NAME, report_lock, write_set
from vaultproof.report import REPORT_FILES, write_reports


def test_a_symlinked_report_file_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "reports"
    out.mkdir()
    os.symlink(victim, out / "report.md")
    write_reports(sample_result(), out)
    assert victim.read_text() == "precious\n"
    assert not (out / "report.md").is_symlink() and "#" in (out / "report.md").read_text()


def test_a_symlinked_reports_dir_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "reports")
    with pytest.raises(ContainmentError, match="is a symlink"):
        write_reports(sample_result(), tmp_path / "reports")
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_the_set_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One file that cannot be written leaves every old report in place (no mixed set), and no
    staging directory behind."""
    out = tmp_path / "reports"
    write_set(out, {name: "old\n" for name in REPORT_FILES})
    import vaultproof.output as output

    real = output._write_new
    calls = []

    def failing(path: Path, text: str) -> None:
        calls.append(path.name)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real(path, text)

    monkeypatch.setattr(output, "_write_new", failing)
    with pytest.raises(VaultproofError, match="No space left on device"):
        write_reports(sample_result(), out)
    assert {p.name: p.read_text() for p in out.iterdir()} == {name: "old\n" for name in REPORT_FILES}
    assert [p.name for p in tmp_path.iterdir()] == ["reports"]


def test_a_concurrent_run_waits_for_the_lock(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    order: list[str] = []
    held = threading.Event()

    def first() -> None:
        with report_lock(out, 5):
            held.set()
            time.sleep(0.4)
            write_set(out, {"results.json": "first\n"})
            order.append("first")

    thread = threading.Thread(target=first)
    thread.start()
    held.wait(5)
    with report_lock(out, 10):
        order.append("second")
        write_set(out, {"results.json": "second\n"})
    thread.join()
    assert order == ["first", "second"]
    assert (out / "results.json").read_text() == "second\n"
    assert not (out / LOCK_NAME).exists()  # released and removed: a run leaves nothing but its reports


def test_a_concurrent_run_fails_in_one_line_after_the_timeout(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    with report_lock(out, 1):
        started = time.monotonic()
        with (
            pytest.raises(ToolError, match=r"another vaultproof run holds .*gave up after 0\.3 s") as info,
            report_lock(out, 0.3),
        ):
            pass
        assert 0.3 <= time.monotonic() - started < 5
    assert "\n" not in info.value.one_line()


def test_run_is_locked_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A second ``vaultproof run`` while a first holds the lock: exit 2, one line, no report written."""
    from vaultproof.cli import _main
    from vaultproof.results import ExitCode

    tiny = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "tiny"
    out = tmp_path / "reports"
    with report_lock(out, 1):
        code = _main(["run", str(tiny), "--out", str(out), "--skip-mutants", "-q", "--lock-timeout", "0"])
    assert code.exit_code is ExitCode.BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "another vaultproof run holds" in err[0]
    assert list(out.iterdir()) == []

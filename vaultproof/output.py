"""Writing output safely: never through a symlink, a report set all at once, one run at a time.

How atomic the set is (POSIX has no multi-file atomic rename):

- Every file of a set is first written into a fresh directory made by ``mkdtemp`` in the reports
  directory's *parent* (the same filesystem, so ``rename(2)`` applies), each opened with
  ``O_CREAT | O_EXCL | O_NOFOLLOW``. Only when the whole set is written is each file moved into the
  reports directory with ``os.replace``: a rename is atomic per file, and it replaces a symlink at the
  destination instead of writing through it, so a committed ``reports/report.md -> /etc/x`` cannot make
  vaultproof overwrite ``/etc/x``. If rendering or writing any file fails, no report file changes.
- The renames of one set run while the report lock is held, so no other vaultproof run ever reads or
  writes a mixed set; an outside reader can see old and new files side by side only for the
  microseconds between consecutive renames. (Swapping the whole directory instead would also swap
  what lives beside the reports: the committed baseline and the lock itself.)
- The reports directory must be a real directory (``lstat``), not a symlink.

The lock is ``fcntl.flock`` on ``<reports>/.lock`` (opened ``O_NOFOLLOW``). A second run waits up to
``timeout`` seconds, then fails with one line (exit 2). The holder deletes the file before releasing
it, so a run leaves nothing behind in reports/; a waiter that then acquires the deleted file notices
(its descriptor's inode is no longer the path's) and locks the new file instead, so two runs never
both hold the lock. flock locks belong to an open file description: each command takes the lock
once, at its top.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from vaultproof.errors import ContainmentError, ToolError, VaultproofError

LOCK_NAME = ".lock"
_POLL_S = 0.1


def ensure_real_dir(directory: Path) -> None:
    """Create ``directory`` (and parents) if missing; refuse a symlink or a non-directory there."""
    if not os.path.lexists(directory):
        directory.mkdir(parents=True, exist_ok=True)
    info = os.lstat(directory)
    if stat.S_ISLNK(info.st_mode):
        raise ContainmentError(f"{directory} is a symlink; vaultproof does not write through links")
    if not stat.S_ISDIR(info.st_mode):
        raise VaultproofError(f"{directory} exists and is not a directory")


def _write_new(path: Path, text: str) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    fd = os.open(path, flags, 0o644)
    # newline="\n": the same bytes on every platform.
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def write_set(out_dir: Path, files: Mapping[str, str]) -> list[Path]:
    """Write ``files`` (name → text) into ``out_dir`` as one set; returns the paths, in ``files`` order."""
    try:
        ensure_real_dir(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=".vaultproof-tmp-", dir=out_dir.parent))
    except OSError as exc:
        raise VaultproofError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    try:
        for name, text in files.items():
            _write_new(staging / name, text)
        paths = []
        for name in files:
            os.replace(staging / name, out_dir / name)
            paths.append(out_dir / name)
        return paths
    except OSError as exc:
        raise VaultproofError(f"cannot write {out_dir}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_file(path: Path, text: str) -> Path:
    """One file, atomically and never through a symlink (the baseline, slither.json)."""
    return write_set(path.parent, {path.name: text})[0]


@contextlib.contextmanager
def report_lock(out_dir: Path, timeout_s: float) -> Iterator[None]:
    """Hold ``<out_dir>/.lock`` for the block; wait at most ``timeout_s`` for another run to finish."""
    ensure_real_dir(out_dir)
    path = out_dir / LOCK_NAME
    deadline = time.monotonic() + timeout_s
    fd = _acquire(path, deadline, timeout_s)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # before unlocking: a waiter holding the old inode will retry
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _acquire(path: Path, deadline: float, timeout_s: float) -> int:
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            raise ContainmentError(f"cannot open the report lock {path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise ToolError(
                    f"another vaultproof run holds {path}; gave up after {timeout_s:g} s "
                    "(raise [gate] lock_timeout_s or --lock-timeout to wait longer)"
                ) from None
            time.sleep(_POLL_S)
            continue
        try:
            current = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            current = None
        if current is not None and current.st_ino == os.fstat(fd).st_ino:
            return fd
        os.close(fd)  # locked a file its holder had just deleted: lock the path's new file

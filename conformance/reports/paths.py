"""Where a run's report goes, and the ``latest`` pointer.

Layout::

    reports/
      20261121T051200Z-mock/      one directory per run: <UTC timestamp>-<target>
        allure-results/           allure-pytest's results + environment.properties
        junit.xml                 pytest --junitxml
        summary.json              machine-readable verdict
        index.html                self-contained human report
      latest -> 20261121T051200Z-mock

The timestamp comes first so that names sort by time and ``ls`` shows the
newest last. ``latest`` is a *relative* symlink so the reports directory
can be moved or archived whole. Where symlinks cannot be made (Windows
without developer mode, some network filesystems) ``latest`` is instead a
small text file holding the run directory's name; :func:`resolve_latest`
reads either form.
"""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
from datetime import datetime, timezone
from pathlib import Path

LATEST = "latest"
_STAMP = "%Y%m%dT%H%M%SZ"
_STAMP_RE = re.compile(r"^(\d{8}T\d{6}Z)-")


def sanitise_target(name: str) -> str:
    """``name`` reduced to ``[a-z0-9-]``, accents dropped (runs of anything else become one dash); ``target`` if nothing is left."""
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    clean = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return clean[:60].strip("-") or "target"


def run_stamp(now: datetime | None = None) -> str:
    """The UTC timestamp part of a run directory's name. A naive ``now`` is taken to be UTC."""
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return now.astimezone(timezone.utc).strftime(_STAMP)


def new_run_dir(base: Path, target_name: str, now: datetime | None = None) -> Path:
    """Create and return ``base/<UTC timestamp>-<target>``.

    Two runs against the same target within one second (parallel CI jobs)
    get ``...-mock``, ``...-mock-2``, ...: the directory is claimed with an
    exclusive ``mkdir``, so concurrent callers never share one.
    """
    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    stem = f"{run_stamp(now)}-{sanitise_target(target_name)}"
    n = 1
    while True:
        candidate = base / (stem if n == 1 else f"{stem}-{n}")
        try:
            candidate.mkdir()
        except FileExistsError:
            n += 1
            continue
        return candidate


def _stamp_of(name: str) -> str | None:
    match = _STAMP_RE.match(name)
    return match.group(1) if match else None


def resolve_latest(base: Path) -> Path | None:
    """The run directory ``base/latest`` names (symlink or text file), or None when there is none."""
    link = Path(base) / LATEST
    if link.is_symlink():
        return (link.parent / os.readlink(link)).resolve()
    if link.is_file():
        name = link.read_text(encoding="utf-8").strip()
        return (link.parent / name).resolve() if name else None
    return None


def update_latest(base: Path, run_dir: Path) -> Path:
    """Point ``base/latest`` at ``run_dir`` unless it already names a newer run; returns the pointer's path.

    "Newer" compares the timestamps in the directory names, so a slow run
    that finishes after a later one does not steal the pointer; equal
    stamps go to the most recent call. The pointer is swapped atomically
    (write a temporary, then rename over), so a reader never sees it
    missing. An existing real directory called ``latest`` is never touched.
    """
    base = Path(base)
    run_dir = Path(run_dir)
    link = base / LATEST
    if link.is_dir() and not link.is_symlink():
        raise IsADirectoryError(f"{link} is a directory, not a pointer; move it away to let reports update it")

    current = resolve_latest(base)
    if current is not None and current.exists():
        old, new = _stamp_of(current.name), _stamp_of(run_dir.name)
        if old and new and old > new:
            return link

    target = os.path.relpath(run_dir.resolve(), base.resolve())
    tmp = base / f".{LATEST}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    try:
        os.symlink(target, tmp, target_is_directory=True)
    except (OSError, NotImplementedError):
        tmp.write_text(target + "\n", encoding="utf-8")
    try:
        os.replace(tmp, link)
    finally:
        if tmp.exists() or tmp.is_symlink():
            tmp.unlink()
    return link

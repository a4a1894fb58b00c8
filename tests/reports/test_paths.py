"""Run directory names and the ``latest`` pointer."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from conformance.reports import new_run_dir, resolve_latest, sanitise_target, update_latest
from conformance.reports import paths as paths_mod

NOW = datetime(2026, 11, 21, 5, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("name, clean", [
    ("mock", "mock"),
    ("Gemini API (prod)", "gemini-api-prod"),
    ("../../etc/passwd", "etc-passwd"),
    ("http://localhost:8080/v1beta", "http-localhost-8080-v1beta"),
    ("Ünïcode_ñame", "unicode-name"),
    ("", "target"),
    ("///", "target"),
])
def test_sanitise(name, clean):
    assert sanitise_target(name) == clean


def test_new_run_dir_name_and_creation(tmp_path):
    run = new_run_dir(tmp_path / "reports", "Mock Server", now=NOW)
    assert run.name == "20261121T051200Z-mock-server"
    assert run.is_dir() and run.parent == tmp_path / "reports"


def test_new_run_dir_converts_to_utc_and_assumes_naive_is_utc(tmp_path):
    plus2 = NOW.astimezone(timezone(timedelta(hours=2)))
    assert new_run_dir(tmp_path, "a", now=plus2).name == "20261121T051200Z-a"
    assert new_run_dir(tmp_path, "b", now=NOW.replace(tzinfo=None)).name == "20261121T051200Z-b"


def test_new_run_dir_collision_safe(tmp_path):
    names = [new_run_dir(tmp_path, "mock", now=NOW).name for _ in range(3)]
    assert names == ["20261121T051200Z-mock", "20261121T051200Z-mock-2", "20261121T051200Z-mock-3"]


def test_latest_is_relative_symlink_to_newest(tmp_path):
    first = new_run_dir(tmp_path, "mock", now=NOW)
    second = new_run_dir(tmp_path, "mock", now=NOW + timedelta(minutes=5))
    update_latest(tmp_path, first)
    link = update_latest(tmp_path, second)
    assert link == tmp_path / "latest"
    assert link.is_symlink()
    assert os.readlink(link) == second.name  # relative: the reports dir can be moved
    assert resolve_latest(tmp_path) == second.resolve()
    # a slower, older run finishing later does not steal the pointer
    update_latest(tmp_path, first)
    assert resolve_latest(tmp_path) == second.resolve()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".latest")]


def test_latest_survives_moving_the_reports_dir(tmp_path):
    run = new_run_dir(tmp_path / "a", "mock", now=NOW)
    (run / "summary.json").write_text("{}")
    update_latest(tmp_path / "a", run)
    (tmp_path / "a").rename(tmp_path / "b")
    assert (tmp_path / "b" / "latest" / "summary.json").read_text() == "{}"


def test_latest_falls_back_to_text_file(tmp_path, monkeypatch):
    def no_symlinks(*a, **kw):
        raise OSError("symlinks not permitted")

    monkeypatch.setattr(paths_mod.os, "symlink", no_symlinks)
    run = new_run_dir(tmp_path, "mock", now=NOW)
    link = update_latest(tmp_path, run)
    assert link.is_file() and not link.is_symlink()
    assert link.read_text().strip() == run.name
    assert resolve_latest(tmp_path) == run.resolve()
    newer = new_run_dir(tmp_path, "mock", now=NOW + timedelta(seconds=1))
    update_latest(tmp_path, newer)
    assert resolve_latest(tmp_path) == newer.resolve()


def test_latest_refuses_to_replace_a_real_directory(tmp_path):
    (tmp_path / "latest").mkdir()
    run = new_run_dir(tmp_path, "mock", now=NOW)
    with pytest.raises(IsADirectoryError):
        update_latest(tmp_path, run)


def test_resolve_latest_none_when_absent(tmp_path):
    assert resolve_latest(tmp_path) is None

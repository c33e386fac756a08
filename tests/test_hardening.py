"""Hostile files, broken logs, interrupted and concurrent runs: keep working, lose nothing."""

from __future__ import annotations

import datetime as dt
import os
import signal
import struct
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analyzer
from analyzer.io.fit_decode import crc16
from analyzer.io.logs import read_cramp_log
from analyzer.testing.synthetic import synthetic_run, write_athlete
from tests.conftest import DATA

UTC = dt.UTC
SMALL = synthetic_run(dt.datetime(2024, 5, 1, 6, tzinfo=UTC), 0.5, 330, pauses=[(60, 70)])
REGRESSIONS = DATA / "fuzz_regressions"


def _small_with_developer_fields() -> bytes:
    from analyzer.testing.fit_encode import DevField, FitWriter

    w = FitWriter(dev_fields=[DevField(0, 0, "core_temperature", "°C", 0x88), DevField(0, 1, "Power", "Watts", 0x84)])
    w.write("file_id", type="activity", manufacturer="development", product=1)
    start = dt.datetime(2024, 5, 1, 6, tzinfo=UTC)
    for i in range(20):
        w.write("record", timestamp=start + dt.timedelta(seconds=i), heart_rate=140, core_temperature=38.0, Power=250)
    return w.to_bytes()


SMALL_DEV = _small_with_developer_fields()


def _read(data: bytes):
    """Allowed outcomes only: an Activity, or a FitError naming the file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analyzer.FitWarning)
        try:
            act = analyzer.io.fit.read_fit_bytes(data, name="hostile.fit")
        except analyzer.FitError as exc:
            assert "hostile.fit" in str(exc)
            return None
    assert act.engine == "numpy", act.problems[0]  # the numpy decoder did not fall back to fitparse
    return act


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes(data):
    _read(data)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(SMALL) - 1), st.integers(0, 7)), min_size=1, max_size=6))
def test_bit_flips_anywhere(flips):
    b = bytearray(SMALL)
    for pos, bit in flips:
        b[pos] ^= 1 << bit
    _read(bytes(b))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(SMALL_DEV) - 1), st.integers(0, 255)), min_size=1, max_size=4))
def test_overwrites_in_developer_field_descriptions(changes):
    b = bytearray(SMALL_DEV)
    for pos, value in changes:
        b[pos] = value
    _read(bytes(b))


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 200), st.integers(0, 255))
def test_overwrites_in_header_and_definitions(pos, value):
    b = bytearray(SMALL)
    b[pos] = value
    _read(bytes(b))


@pytest.mark.parametrize("name", ["fitparse__activity-small-fenix2-run.fit", "fitparse__developer-types-sample.fit",
                                  "wkz__with_nones.fit"])
def test_truncations_of_real_files(name):
    data = (DATA / name).read_bytes()
    full = _read(data)
    for cut in range(0, len(data), max(len(data) // 150, 1)):
        act = _read(data[:cut])
        if act is not None:
            assert len(act.records) <= len(full.records)
            assert act.problems


def test_header_claiming_a_huge_size_reads_what_is_there():
    b = bytearray(SMALL)
    b[4:8] = struct.pack("<I", 0xFFFFFFF0)
    act = _read(bytes(b))
    assert len(act.records) == len(_read(SMALL).records)
    assert any("truncated" in p.message for p in act.problems)


def _raw_file(body: bytes) -> bytes:
    header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(body), b".FIT")
    header += struct.pack("<H", crc16(header))
    data = header + body
    return data + struct.pack("<H", crc16(data))


def test_definition_with_absurd_field_count():
    # a record definition of 255 fields of 255 bytes each, and two such data messages
    fields = b"".join(bytes((i, 255, 0x0D)) for i in range(255))
    definition = bytes((0x40, 0, 0)) + struct.pack("<HB", 20, 255) + fields
    body = definition + (b"\x00" + bytes(255 * 255)) * 2
    act = _read(_raw_file(body))
    assert len(act.records) == 2 and act.problems  # two records without any timestamp


def test_endless_developer_field_definitions():
    body = b""
    for k in range(300):  # 300 definitions, each with 255 developer fields nobody described
        dev = b"".join(bytes((i, 1, k % 256)) for i in range(255))
        body += bytes((0x60 | (k % 16), 0, 0)) + struct.pack("<HB", 20, 0) + bytes((255,)) + dev
    act = _read(_raw_file(body))
    assert act.records.empty


def test_fuzz_regressions_replay():
    for path in sorted(REGRESSIONS.glob("*.fit")):
        _read(path.read_bytes())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
                         min_size=0, max_size=8), max_size=12))
def test_any_cramp_log_gives_rows_or_problems(tmp_path, rows):
    path = tmp_path / "cramps.csv"
    lines = ["time,activity,distance_km,leg,muscle,severity,duration_s,notes"]
    lines += [",".join('"' + c.replace('"', '""') + '"' for c in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame, problems = read_cramp_log(path, "Europe/Madrid")
    assert len(frame) + len(problems) <= len(rows)
    # every problem points at a row, or at the byte / header that made the whole file unreadable
    assert all(p.location.startswith(("row ", "byte ", "header")) for p in problems)


# ---------------------------------------------------------------- batch resilience


def _team(root: Path, n: int = 4) -> Path:
    start = dt.datetime(2024, 5, 1, 6, tzinfo=UTC)
    for k in range(n):
        runs = {f"r{i}.fit": synthetic_run(start + dt.timedelta(days=2 * i), 2.0, 330, seed=10 * k + i) for i in range(3)}
        write_athlete(root / f"a{k}", {"timezone": "UTC"}, runs, [{"time": "2024-05-01T06:05:00Z", "leg": "left"}])
    return root


def test_one_unreadable_athlete_and_one_exploding_file_do_not_stop_the_batch(tmp_path, monkeypatch, caplog):
    team = _team(tmp_path / "team")
    # and one huge file: a 10-hour ultra (36,000 records) in another athlete's folder
    ultra = synthetic_run(dt.datetime(2024, 5, 20, 5, tzinfo=UTC), 100.0, 360, seed=5)
    (team / "a3" / "activities" / "ultra.fit").write_bytes(ultra)
    from analyzer import batch
    from analyzer.io import fit

    real_load, real_build = batch.load_athlete, fit.build_activity

    def load(folder, *args):
        if Path(folder).name == "a1":
            raise PermissionError(13, "Permission denied", str(folder))
        return real_load(folder, *args)

    def build(messages, name, engine):
        if name.endswith(os.path.join("a2", "activities", "r1.fit")):
            raise RuntimeError("boom deep inside")
        return real_build(messages, name, engine)

    monkeypatch.setattr(batch, "load_athlete", load)
    monkeypatch.setattr(fit, "build_activity", build)
    result = analyzer.run_report(team, tmp_path / "out", jobs=1, use_cache=False)
    # every athlete is reported: a1, whose folder cannot be read, gets a page saying so
    assert result.exit_code == 1 and result.athletes == 4
    page = (tmp_path / "out" / "a1" / "report.html").read_text(encoding="utf-8")
    assert "could not be analysed" in page and "Permission denied" in page
    messages = [p.message for p in result.problems]
    assert any("Permission denied" in m for m in messages)
    # the exploding file is said in words; its exception goes to the log, never to a problem line
    assert [p.message for p in result.problems if p.file.endswith(os.path.join("a2", "activities", "r1.fit"))] == [
        "could not be read (a fault in the analyzer, details in the log); please report this file to the "
        "analyzer's developers"]
    assert not any("boom" in m or "RuntimeError" in m for m in messages)
    assert "boom deep inside" in caplog.text
    errors = (tmp_path / "out" / "errors.csv").read_text()
    assert "a1" in errors and "r1.fit" in errors
    summary = (tmp_path / "out" / "summary.csv").read_text()
    assert "a0," in summary and "a2," in summary
    assert "a3,a3,4,106.0," in summary  # three 2 km runs and the 100 km ultra


def _report_cmd(team: Path, out: Path, cache: Path) -> list[str]:
    return [sys.executable, "-m", "analyzer", "report", str(team), "--out", str(out), "--cache-dir", str(cache),
            "--jobs", "1", "-q"]


def _outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.suffix == ".csv"}


def test_a_run_killed_half_way_then_rerun_is_complete(tmp_path):
    team = _team(tmp_path / "team", n=6)
    out = tmp_path / "out"
    proc = subprocess.Popen(_report_cmd(team, out, tmp_path / "cache"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(2.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = subprocess.run(_report_cmd(team, out, tmp_path / "cache"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    reference = tmp_path / "ref"
    subprocess.run(_report_cmd(team, reference, tmp_path / "cache2"), check=True, capture_output=True)
    assert _outputs(out) == _outputs(reference)
    assert all((out / f"a{k}" / "report.html").exists() for k in range(6))
    assert not [p for p in out.rglob("*.tmp")]


def test_a_run_killed_once_its_first_page_is_written_keeps_every_path_on_rerun(tmp_path):
    """Killed in the state the timed test above may or may not reach: a page written, the run not done.
    The rerun writes each athlete to the path the killed run claimed (never a second name)."""
    team = _team(tmp_path / "team", n=6)
    out = tmp_path / "out"
    proc = subprocess.Popen(_report_cmd(team, out, tmp_path / "cache"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not (out / "a0" / "report.html").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert (out / "a0" / "report.html").exists()
    done = subprocess.run(_report_cmd(team, out, tmp_path / "cache"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")) == \
        [f"a{k}" for k in range(6)]


def test_two_runs_at_once_sharing_a_cache_do_not_interfere(tmp_path):
    team = _team(tmp_path / "team", n=4)
    cache = tmp_path / "cache"
    procs = [subprocess.Popen(_report_cmd(team, tmp_path / f"out{i}", cache), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for i in range(2)]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read()
    assert _outputs(tmp_path / "out0") == _outputs(tmp_path / "out1")
    assert len([p for p in (cache / "reports").iterdir() if not p.name.startswith(".")]) == 4


def test_symlinks_out_of_the_team_are_not_followed(tmp_path):
    team = _team(tmp_path / "team", n=1)
    outside = tmp_path / "outside"
    write_athlete(outside / "intruder", {"timezone": "UTC"})
    (outside / "secret.csv").write_text("time,leg\n2024-05-01 08:00,left\n")
    (team / "linked").symlink_to(outside / "intruder")
    (team / "a0" / "cramps.csv").unlink()
    (team / "a0" / "cramps.csv").symlink_to(outside / "secret.csv")
    result = analyzer.run_report(team, tmp_path / "out", jobs=1, use_cache=False)
    messages = [(Path(p.file).name, p.message) for p in result.problems]
    assert ("linked", "symbolic link in the team folder; not followed") in messages
    assert any(name == "cramps.csv" and "outside the athlete folder" in m for name, m in messages)
    assert result.athletes == 1 and result.cramps == 0

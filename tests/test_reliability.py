"""Each case of the hostile-input probe: the athlete is still reported, and the user sees what went wrong.

Nothing lost (every athlete has a page, every bad row a numbered problem), nothing wrong (no
invented times, no swapped reports), nothing leaked (no waiting on pipes, no writing into
inputs, memory bounded).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import os
import subprocess
import sys
import textwrap
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analyzer
from analyzer.testing.synthetic import synthetic_run, write_athlete
from tests.conftest import REPO

UTC = dt.UTC
START = dt.datetime(2024, 6, 3, 6, tzinfo=UTC)  # 08:00 in Madrid


def _runs(n=3, **kw):
    return {f"r{i}.fit": synthetic_run(START + dt.timedelta(days=2 * i), 3.0, 330, seed=i, **kw) for i in range(n)}


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _report(team: Path, out: Path, **kw) -> analyzer.ReportResult:
    return analyzer.run_report(team, out, jobs=1, use_cache=kw.pop("use_cache", False), **kw)


# ------------------------------------------------------------------ times are never invented

BAD_TIMES = {
    "3:15 PM": "time without a date",
    "now": "words",
    "today 07:42": "words",
    "12/03/2024 08:50": "ambiguous",
    "2024": "not a full date",
    "1600-01-01 10:00": "before 1990",
    "2024-13-01 10:00": "not a real date",
    "2024-06-03 25:10": "not",
}


def test_cramp_log_times_are_read_strictly_and_a_date_alone_is_never_placed(tmp_path):
    rows = [{"time": "2024-06-03", "leg": "left", "notes": "a date alone"},  # row 1
            {"time": "2024-06-03 08:10", "leg": "right"}]  # row 2: in run r0
    rows += [{"time": text, "leg": "left"} for text in BAD_TIMES]  # rows 3…
    folder = write_athlete(tmp_path / "ana", {"timezone": "Europe/Madrid"}, _runs(), rows)
    athlete = analyzer.load_athlete(folder)
    by_row = {int(p.location.split()[1]): p.message for p in athlete.problems if p.location.startswith("row")}
    for i, (text, why) in enumerate(BAD_TIMES.items(), start=3):
        assert why in by_row[i] and "row left out" in by_row[i], (text, by_row.get(i))
    assert set(by_row) == set(range(3, 3 + len(BAD_TIMES)))
    a = analyzer.analyze(athlete)
    day_only = a.cramps.set_index("cramp_row").loc[1]
    # a date alone: kept, never invented as local midnight (which would be a "night" cramp)
    assert day_only["context"] == "time_unknown" and pd.isna(day_only["time_utc"])
    assert day_only["patterns"] == "" and day_only["date_local"] == "2024-06-03"
    assert a.cramps.set_index("cramp_row").loc[2, "context"] == "during_run"
    assert not (a.flags["pattern"] == "night").any()


def test_a_line_break_inside_a_cell_does_not_shift_row_numbers(tmp_path):
    text = ('time,leg,notes\n'
            '2024-06-03 08:10,left,"first line\nsecond line (Alt+Enter)"\n'
            '2024-06-05 08:10,lef,typo\n')
    folder = write_athlete(tmp_path / "ana", {"timezone": "Europe/Madrid"}, _runs(), text)
    athlete = analyzer.load_athlete(folder)
    assert [p.location for p in athlete.problems] == ["row 2"]
    assert athlete.cramps["cramp_row"].tolist() == [1]


# ------------------------------------------------------------------ one input never drops an athlete

def test_repeated_timestamps_with_weather_and_a_cramp_still_draw(tmp_path):
    from analyzer.testing.fit_encode import encode_run

    el = np.repeat(np.arange(0.0, 1500.0), 2)  # every timestamp twice (Forerunner 110, IpBike, Ambit3 Peak)
    fit = encode_run(START, el, distance_m=el * 3.0, speed_mps=np.full(len(el), 3.0),
                     heart_rate_bpm=np.full(len(el), 150.0), temperature_c=np.full(len(el), 31.0))
    weather = [{"time": (START + dt.timedelta(hours=h)).isoformat(), "temperature_c": 26, "relative_humidity_pct": 60}
               for h in range(-2, 3)]
    team = tmp_path / "team"
    write_athlete(team / "ana", {"timezone": "UTC"}, {"dup.fit": fit},
                  [{"time": "2024-06-03T06:10:00Z", "leg": "left"}], weather)
    result = _report(team, tmp_path / "out")
    assert result.athletes == 1 and result.exit_code == 0, result.problems
    page = (tmp_path / "out" / "ana" / "report.html").read_text(encoding="utf-8")
    assert "dup.fit" in page and 'class="warn"' not in page  # the run chart was built


def test_a_cramp_by_km_in_a_file_without_timestamps_or_records(tmp_path):
    from analyzer.testing.fit_encode import FitWriter

    w = FitWriter()
    w.write("file_id", type="activity", manufacturer="development", product=1)
    w.write("session", start_time=None, total_distance=5000.0, sport="running")
    team = tmp_path / "team"
    write_athlete(team / "ana", {"timezone": "UTC"}, {**_runs(1), "empty.fit": w.to_bytes()},
                  [{"activity": "empty.fit", "distance_km": 2.0, "leg": "left"}])
    result = _report(team, tmp_path / "out")
    assert result.athletes == 1
    (row,) = _csv(tmp_path / "out" / "cramps.csv")
    assert row["context"] == "during_run" and row["activity"] == "empty.fit" and row["elapsed_s"] == ""


def test_symbolic_link_loops_are_problems_not_crashes(tmp_path):
    team = tmp_path / "team"
    folder = write_athlete(team / "ana", {"timezone": "UTC"}, _runs(), [{"time": "2024-06-03T06:10:00Z", "leg": "left"}])
    (folder / "weather.csv").symlink_to(folder / "weather.csv")  # a link to itself
    (folder / "activities" / "loop.fit").symlink_to(folder / "activities" / "loop.fit")
    (team / "loop").symlink_to(team / "loop")
    result = _report(team, tmp_path / "out")
    assert result.athletes == 1
    messages = " | ".join(f"{p.file}: {p.message}" for p in result.problems)
    assert "weather.csv" in messages and "loop.fit" in messages and "loop" in messages


@pytest.mark.parametrize("value", ["inf", "nan", "1e300", "-5"])
def test_thresholds_that_are_not_usable_are_named_and_defaults_kept(tmp_path, value):
    team = tmp_path / "team"
    folder = write_athlete(team / "ana", {"timezone": "UTC"}, _runs(), [{"time": "2024-06-03T06:10:00Z", "leg": "left"}])
    with (folder / "athlete.toml").open("a", encoding="utf-8") as fh:
        fh.write(f"\n[thresholds]\ncramp_match_tolerance_min = {value}\nnight_start_local_h = 99\n")
    result = _report(team, tmp_path / "out")
    assert result.athletes == 1 and result.exit_code == 1
    errors = (tmp_path / "out" / "errors.csv").read_text(encoding="utf-8")
    assert "cramp_match_tolerance_min" in errors and "night_start_local_h" in errors and "default" in errors


def test_dollar_signs_in_names_notes_and_files_are_text_not_math(tmp_path):
    team = tmp_path / "team"
    runs = {"paid $5.fit": synthetic_run(START, 3.0, 330, seed=1)}
    write_athlete(team / "$ana", {"name": "Paid $5 and $6", "timezone": "UTC"}, runs,
                  [{"activity": "paid $5.fit", "distance_km": 1.0, "leg": "left", "notes": "Paid $5 and $6"}])
    result = _report(team, tmp_path / "out")
    assert result.athletes == 1 and result.exit_code == 0, result.problems
    page = next((tmp_path / "out").glob("*/report.html")).read_text(encoding="utf-8")
    assert "Paid $5 and $6" in page
    a = analyzer.analyze(analyzer.load_athlete(team / "$ana"))
    fig = analyzer.plot_run(a.athlete.activities[0], a.cramps)
    assert fig._suptitle.get_text().startswith(r"paid \$5.fit")  # escaped: drawn as a dollar sign


def test_a_255_character_athlete_id_and_its_near_twin(tmp_path):
    team = tmp_path / "team"
    long_id = "a" * 255
    for name in (long_id, "a" * 254 + "_"):  # the second becomes the same safe name, then needs a suffix
        write_athlete(team / name, {"timezone": "UTC"}, _runs(1), [])
    result = _report(team, tmp_path / "out")
    assert result.athletes == 2 and result.exit_code == 0, result.problems
    names = sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_dir() and not p.name.startswith("."))
    assert len(names) == 2 and all(len(n) <= 90 for n in names)


# ------------------------------------------------------------------ safety and privacy

def _summary_links(out: Path) -> dict[str, str]:
    return {r["athlete"]: r["report"] for r in _csv(out / "summary.csv")}


def test_two_athletes_never_swap_reports_through_the_cache(tmp_path):
    team = tmp_path / "team"
    cache = tmp_path / "cache"
    write_athlete(team / "ana_smith", {"name": "Ana Smith", "timezone": "UTC"}, _runs(2), [])
    first = _report(team, tmp_path / "out1", cache_dir=cache, use_cache=True)
    assert first.exit_code == 0
    write_athlete(team / "ana smith", {"name": "Another Ana", "timezone": "UTC", "medications": ["furosemide"]},
                  _runs(2), [])
    _report(team, tmp_path / "out2", cache_dir=cache, use_cache=True)
    out = tmp_path / "out2"
    links = _summary_links(out)
    for athlete, name in (("ana_smith", "Ana Smith"), ("ana smith", "Another Ana")):
        page = (out / links[athlete]).read_text(encoding="utf-8")
        assert f"Cramp report — {name}" in page, (athlete, links[athlete])
    assert "furosemide" not in (out / links["ana_smith"]).read_text(encoding="utf-8")
    # the same with --athlete when "Ana" and "ana" both exist
    write_athlete(team / "Ana", {"name": "Capital Ana", "timezone": "UTC"}, _runs(1), [])
    write_athlete(team / "ana", {"name": "Small ana", "timezone": "UTC"}, _runs(1), [])
    for only in (["ana"], ["Ana"], ["Ana", "ana"]):
        out = tmp_path / f"out-{'-'.join(only)}"
        _report(team, out, cache_dir=cache, use_cache=True, athletes=only)
        links = _summary_links(out)
        for athlete in only:
            expected = "Capital Ana" if athlete == "Ana" else "Small ana"
            assert f"Cramp report — {expected}" in (out / links[athlete]).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["cramps.csv", "weather.csv", "athlete.toml", "weigh_ins.csv"])
def test_a_pipe_in_place_of_a_log_is_a_problem_not_a_hang(tmp_path, name):
    team = tmp_path / "team"
    folder = write_athlete(team / "ana", {"timezone": "UTC"}, _runs(1), None)
    (folder / name).unlink(missing_ok=True)
    os.mkfifo(folder / name)
    os.mkfifo(folder / "activities" / "pipe.fit")
    (folder / "activities" / "dir.fit").mkdir()
    # in a subprocess with a timeout: a hang must fail the test, not stall the suite
    done = subprocess.run([sys.executable, "-m", "analyzer", "report", str(team), "--out", str(tmp_path / "out"),
                           "--no-cache", "--jobs", "1", "-q"], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 1, done.stderr
    errors = (tmp_path / "out" / "errors.csv").read_text(encoding="utf-8")
    assert f"{name}" in errors and "named pipe" in errors
    assert "pipe.fit" in errors and "dir.fit" in errors and "a folder" in errors


BOMB_SCRIPT = textwrap.dedent("""
    import resource, sys, warnings
    sys.path.insert(0, {repo!r})
    import analyzer
    from analyzer.io import fit  # everything the reading needs, imported before the baseline
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    acts, problems = analyzer.read_fit_folder({folder!r})
    print(len(acts), "|".join(p.message for p in problems))
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024 - base)  # peak growth, MiB
""")

PEAK_BOUND_MIB = 200
"""Peak memory growth allowed for reading a .fit.gz that inflates to 2 GiB (the cap is 64 MiB)."""


def test_a_gzip_bomb_is_refused_within_a_memory_bound(tmp_path):
    acts = tmp_path / "activities"
    acts.mkdir()
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    with (acts / "bomb.fit.gz").open("wb") as fh:
        fh.write(packer.compress(b".FIT" + zeros[4:]))
        for _ in range(2047):  # 2 GiB of zeros, about 2 MB of gzip
            fh.write(packer.compress(zeros))
        fh.write(packer.flush())
    (acts / "ok.fit.gz").write_bytes(gzip.compress(synthetic_run(START, 3.0, 330)))
    assert (acts / "bomb.fit.gz").stat().st_size < 3_000_000
    done = subprocess.run([sys.executable, "-c", BOMB_SCRIPT.format(repo=str(REPO), folder=str(acts))],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    first, peak = done.stdout.strip().splitlines()
    count, messages = first.split(" ", 1)
    assert count == "1" and "inflates to more than" in messages  # the good file is read, the bomb refused
    assert int(peak) < PEAK_BOUND_MIB, f"peak grew by {peak} MiB"


def test_a_cut_off_gz_keeps_what_it_holds(tmp_path):
    data = gzip.compress(synthetic_run(START, 3.0, 330))
    path = tmp_path / "cut.fit.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analyzer.FitWarning)
        act = analyzer.read_fit(path)
    assert len(act.records) > 100 and "cut off" in act.problems[0].message


def test_log_size_limit(tmp_path, monkeypatch):
    from analyzer.io import logs

    monkeypatch.setattr(logs, "MAX_LOG_BYTES", 200)
    folder = write_athlete(tmp_path / "ana", {"timezone": "UTC"}, _runs(1),
                           [{"time": f"2024-06-{d:02d} 08:00", "leg": "left"} for d in range(1, 29)])
    athlete = analyzer.load_athlete(folder)
    assert any("cramps.csv" in p.file and "limit" in p.message for p in athlete.problems)

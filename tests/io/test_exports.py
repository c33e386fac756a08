"""Account exports (Strava bulk export, Garmin Connect export), unzipped or zipped, read as athlete folders."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import analyzer
from analyzer.io.exports import export_kind, read_export
from analyzer.testing.synthetic import activity_to_gpx, activity_to_tcx, synthetic_run, write_athlete
from tests.io.test_gpx_tcx import BILLION_LAUGHS

UTC = dt.UTC
START = dt.datetime(2024, 6, 3, 6, tzinfo=UTC)


def _runs():
    """Three runs and a ride, as a Strava export keeps them (FIT, GPX and TCX; some gzipped)."""
    from analyzer.io.fit import read_fit_bytes

    fit = [synthetic_run(START + dt.timedelta(days=2 * i), 6.0, 330, seed=i, start_position_deg=(40.4, -3.7))
           for i in range(3)]
    ride = synthetic_run(START + dt.timedelta(days=1), 20.0, 120, seed=9, sport="cycling")
    second = read_fit_bytes(fit[1], "b.fit")
    third = read_fit_bytes(fit[2], "c.fit")
    return {
        "activities/101.fit.gz": (gzip.compress(fit[0]), "Run", "Morning run", ""),
        "activities/102.gpx": (activity_to_gpx(second), "Run", "Cramp at km 4.5 :(", "left calf, had to walk"),
        "activities/103.tcx.gz": (gzip.compress(activity_to_tcx(third)), "Trail Run", "Hills", "calambre en el gemelo derecho km 5"),
        "activities/104.fit.gz": (gzip.compress(ride), "Ride", "Commute", "Krampf? no, just a ride"),
    }


def _strava_csv(files) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description",
                "Elapsed Time", "Distance", "Filename"])
    for name, (_, kind, title, desc) in files.items():
        w.writerow([name.split("/")[1].split(".")[0], "Jun 3, 2024, 6:00:00 AM", title, kind, desc, 1980, 6.0, name])
    return buf.getvalue()


def strava_folder(root: Path) -> Path:
    files = _runs()
    for name, (data, *_rest) in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    (root / "activities.csv").write_text(_strava_csv(files), encoding="utf-8")
    (root / "profile.csv").write_text("Athlete ID,First Name\n1,Ana\n", encoding="utf-8")
    return root


def strava_zip(path: Path, extra: dict[str, bytes] | None = None) -> Path:
    files = _runs()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("activities.csv", _strava_csv(files))
        for name, (data, *_rest) in files.items():
            z.writestr(name, data)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def garmin_zip(path: Path) -> Path:
    """The Garmin Connect layout: summaries in JSON, the original FIT files in a zip inside the zip."""
    runs = {123456789: synthetic_run(START, 7.0, 320, seed=1), 123456790: synthetic_run(START + dt.timedelta(days=3),
                                                                                        9.0, 330, seed=2),
            123456791: synthetic_run(START + dt.timedelta(days=5), 25.0, 120, seed=3, sport="cycling")}
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        for aid, data in runs.items():
            z.writestr(f"ana@example.com_{aid}.fit", data)
    summaries = [{"summarizedActivitiesExport": [
        {"activityId": 123456789, "name": "Madrid - Running", "activityType": "running", "description": "cramp at 6k"},
        {"activityId": 123456790, "name": "Long one", "activityType": "trail_running"},
        {"activityId": 123456791, "name": "Bike", "activityType": "road_biking"},
    ]}]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("DI_CONNECT/DI-Connect-Fitness/ana@example.com_0_summarizedActivities.json", json.dumps(summaries))
        z.writestr("DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip", inner.getvalue())
        z.writestr("DI_CONNECT/DI-Connect-User/user_profile.json", "{}")
    return path


def test_the_layouts_are_recognised(tmp_path):
    assert export_kind(strava_folder(tmp_path / "s")) == "strava"
    assert export_kind(strava_zip(tmp_path / "s.zip")) == "strava"
    assert export_kind(garmin_zip(tmp_path / "g.zip")) == "garmin"
    assert export_kind(write_athlete(tmp_path / "plain", {"timezone": "UTC"}, {})) is None


@pytest.mark.parametrize("shape", ["folder", "zip"])
def test_a_strava_export_reports_like_an_athlete_folder(tmp_path, shape):
    path = strava_folder(tmp_path / "ana") if shape == "folder" else strava_zip(tmp_path / "ana.zip")
    athlete = analyzer.load_athlete(path)
    assert athlete.id == "ana"
    titles = {a.source: a.title for a in athlete.activities}
    # runs only (by the export's own type): the ride is not even read
    assert titles == {"101.fit.gz": "Morning run", "102.gpx": "Cramp at km 4.5 :(", "103.tcx.gz": "Hills"}
    assert {a.description for a in athlete.activities} >= {"left calf, had to walk"}
    result = analyzer.run_report(path, tmp_path / f"out-{shape}", jobs=1, use_cache=False, weather="off")
    assert result.athletes == 1 and result.runs == 3, result.problems
    pages = sorted(p.name for p in (tmp_path / f"out-{shape}").iterdir() if p.is_dir() and not p.name.startswith("."))
    # the page's folder is named after the export's own name: "ana", or "ana.zip" made safe and unique
    assert pages == ["ana"] if shape == "folder" else (len(pages) == 1 and pages[0].startswith("ana_zip-"))
    assert not list(tmp_path.glob("**/101.fit")), "nothing is extracted next to the input"


def test_a_garmin_export_zip_with_its_zip_inside(tmp_path):
    athlete = analyzer.load_athlete(garmin_zip(tmp_path / "ana.zip"))
    assert sorted((a.source, a.title) for a in athlete.activities) == [
        ("ana@example.com_123456789.fit", "Madrid - Running"), ("ana@example.com_123456790.fit", "Long one")]
    assert [round(a.distance_m / 1000, 1) for a in athlete.activities] == [7.0, 9.0]


def test_exports_inside_an_athlete_folder_add_to_its_activities(tmp_path):
    folder = write_athlete(tmp_path / "team" / "ana", {"timezone": "Europe/Madrid"},
                           {"own.fit": synthetic_run(START + dt.timedelta(days=20), 5.0, 330)},
                           [{"activity": "102.gpx", "distance_km": 4.5, "leg": "left", "muscle": "calf"}])
    strava_zip(folder / "export_2024.zip")
    garmin_zip(folder / "garmin.zip")
    athlete = analyzer.load_athlete(folder)
    assert len(athlete.activities) == 1 + 3 + 2
    a = analyzer.analyze(athlete)
    placed = a.cramps.iloc[0]
    assert placed["context"] == "during_run" and placed["activity"] == "102.gpx"
    assert placed["distance_km"] == pytest.approx(4.5, abs=0.02)


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("activities/999.fit", b"\x00" * (80 * 1024 * 1024))  # 80 MiB of zeros, ~80 kB zipped
    return buf.getvalue()


def test_a_zip_bomb_a_climbing_member_and_billion_laughs_each_give_one_problem(tmp_path):
    path = tmp_path / "ana.zip"
    files = _runs()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        rows = _strava_csv({**files, "activities/998.gpx": (b"", "Run", "laughs", ""),
                            "activities/999.fit": (b"", "Run", "bomb", ""), "../x.fit": (b"", "Run", "escape", "")})
        z.writestr("activities.csv", rows)
        for name, (data, *_rest) in files.items():
            z.writestr(name, data)
        z.writestr("activities/998.gpx", BILLION_LAUGHS)
        z.writestr("activities/999.fit", b"\x00" * (80 * 1024 * 1024))
        z.writestr("../x.fit", files["activities/101.fit.gz"][0])
    assert path.stat().st_size < 2_000_000
    activities, problems = read_export(path)
    assert sorted(a.source for a in activities) == ["101.fit.gz", "102.gpx", "103.tcx.gz"]
    messages = [f"{p.location}: {p.message}" for p in problems]
    assert len(messages) == 4, messages  # the member named ../x, its Filename row, the bomb, the laughs
    assert any("member ../x.fit" in m and ".." in m for m in messages)
    assert any("999.fit" in m and "limit" in m for m in messages)
    assert any("998.gpx" in m and "document type" in m for m in messages)
    result = analyzer.run_report(path, tmp_path / "out", jobs=1, use_cache=False, weather="off")
    assert result.athletes == 1 and result.runs == 3 and result.exit_code == 1
    errors = pd.read_csv(tmp_path / "out" / "errors.csv")
    assert len(errors) == 4


LIBRARY_WORDS = ("Error", "Exception", "Bad CRC", "Bad magic", "while decompressing", "Expecting", "boom", "<",
                 "File is not a zip")


def _rewrite(src: Path, dst: Path, change: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, change.get(info.filename, old.read(info)))
    return dst


def test_damaged_members_and_broken_json_are_said_in_words_never_the_library_text(tmp_path):
    # a member whose deflated bytes are overwritten: zlib cannot inflate it
    data = bytearray(strava_zip(tmp_path / "s.zip").read_bytes())
    at = data.find(b"activities/102.gpx") + 200
    data[at:at + 10] = b"\xff" * 10
    (tmp_path / "damaged.zip").write_bytes(bytes(data))
    acts, problems = read_export(tmp_path / "damaged.zip")
    assert [(p.location, p.message) for p in problems] == [("member activities/102.gpx", "its compressed data is damaged")]
    assert sorted(a.source for a in acts) == ["101.fit.gz", "103.tcx.gz"]  # the others are read

    # Garmin: the summary's JSON breaks in its second activity, the zip inside the zip is no zip
    summary = 'ana@example.com_0_summarizedActivities.json'
    text = '[{"summarizedActivitiesExport": [{"activityId": 1, "name": "a"}, {"activityId": 2, "name": }]}]'
    broken_at = text.index('"name": }') + len('"name": ') + 1  # the "}" where a value should be, counted from 1
    garmin = _rewrite(garmin_zip(tmp_path / "g.zip"), tmp_path / "g2.zip", {
        f"DI_CONNECT/DI-Connect-Fitness/{summary}": text.encode(),
        "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip": b"PK\x03\x04 not really a zip",
    })
    _, problems = read_export(garmin)
    by_member = {p.location: p.message for p in problems}
    assert by_member[f"member DI_CONNECT/DI-Connect-Fitness/{summary}"] == (
        f"not valid JSON at character {broken_at}; the 1 activity before it is used, the rest are not")
    assert by_member["member DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip"] == (
        "not a readable zip archive (damaged, or not a zip)")
    for p in problems:
        assert not any(w in p.message for w in LIBRARY_WORDS), p.message


def test_a_reader_failing_on_a_member_is_said_without_its_exception(tmp_path, monkeypatch, caplog):
    from analyzer.io import exports

    def broken(*args, **kwargs):
        raise RuntimeError("boom <object at 0x7f>")

    monkeypatch.setattr(exports, "read_activity_bytes", broken)
    with caplog.at_level("ERROR", logger="analyzer.io.exports"):
        acts, problems = read_export(strava_zip(tmp_path / "s.zip"))
    # each of the three runs, none stopping the rest (the ride is not read: activities.csv says "Ride")
    assert acts == [] and len(problems) == 3
    for p in problems:
        assert p.message == "could not be read: the analyzer failed on it (a bug; the details are in the log)"
    assert "boom" in caplog.text  # the exception is in the log


def test_a_summary_nested_too_deeply_is_said_so(tmp_path):
    """JSON nested deeper than the decoder goes (a RecursionError) is broken JSON, said as such, not
    as a file that ends inside its list; the activity before it is used."""
    summary = 'ana@example.com_0_summarizedActivities.json'
    deep = "[" * 50_000 + "]" * 50_000  # well past Python's recursion limit, under MAX_SUMMARY_ITEM_BYTES
    text = '[{"summarizedActivitiesExport": [{"activityId": 1, "name": "a"}, ' + deep + ']}]'
    garmin = _rewrite(garmin_zip(tmp_path / "g.zip"), tmp_path / "g2.zip", {
        f"DI_CONNECT/DI-Connect-Fitness/{summary}": text.encode()})
    _, problems = read_export(garmin)
    by_member = {p.location: p.message for p in problems}
    assert by_member[f"member DI_CONNECT/DI-Connect-Fitness/{summary}"] == (
        "not valid JSON (nested too deeply); the 1 activity before it is used, the rest are not")

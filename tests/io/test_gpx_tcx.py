"""GPX and TCX: real files, the same run as FIT, GPX and TCX, and hostile XML."""

from __future__ import annotations

import gzip
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import analyzer
from analyzer.errors import InputError
from analyzer.io.activities import read_activity, read_activity_bytes, read_activity_folder
from analyzer.testing.synthetic import activity_to_gpx, activity_to_tcx, write_athlete
from tests.conftest import DATA

XML = DATA / "xml"
GPX = XML / "wkz__garmin_example.gpx"
TCX = XML / "tcxparser__test.tcx"


def _equirectangular_m(lat: list[float], lon: list[float]) -> float:
    """Track length by the flat-earth approximation per step (a different method from the reader's
    haversine; within 0.1 % over steps of a few metres)."""
    total = 0.0
    for i in range(1, len(lat)):
        x = math.radians(lon[i] - lon[i - 1]) * math.cos(math.radians((lat[i] + lat[i - 1]) / 2))
        y = math.radians(lat[i] - lat[i - 1])
        total += 6_371_008.8 * math.hypot(x, y)
    return total


def test_a_real_garmin_gpx_run():
    act = read_activity(GPX)
    text = GPX.read_text(encoding="utf-8")
    lat = [float(v) for v in re.findall(r'<trkpt lat="([-\d.]+)"', text)]
    lon = [float(v) for v in re.findall(r'lon="([-\d.]+)">', text)]
    hrs = [float(v) for v in re.findall(r"<ns3:hr>(\d+)</ns3:hr>", text)]
    cads = [float(v) for v in re.findall(r"<ns3:cad>(\d+)</ns3:cad>", text)]
    assert act.sport == "running" and act.title == "Mannheim Running" and len(act.records) == len(lat) == 602
    assert act.records["elapsed_s"].iloc[-1] == 2304  # 08:58:30 → 09:36:54
    assert act.distance_m == pytest.approx(_equirectangular_m(lat, lon), rel=1e-3)
    assert act.records["heart_rate_bpm"].mean() == pytest.approx(np.mean(hrs))
    assert act.records["cadence_spm"].mean() == pytest.approx(2 * np.mean(cads))  # GPX cad counts one foot
    assert act.records["temperature_c"].iloc[0] == 27.0  # the device's, never air
    assert act.records.index.tz is not None and act.records.index.is_monotonic_increasing


def test_a_real_garmin_tcx_run_matches_its_own_lap_totals():
    act = read_activity(TCX)
    laps = act.laps
    assert act.sport == "running" and len(laps) == 3
    # the file's own totals: 3 laps, 4689.24 m, 1992.78 s of timer time
    assert laps["total_distance_m"].sum() == pytest.approx(4689.24, abs=0.01)
    assert act.distance_m == pytest.approx(laps["total_distance_m"].sum())
    # its last track point says 4686.31 m: the laps' sum is 3 m more (the file's own rounding)
    assert act.records["distance_m"].max() == pytest.approx(laps["total_distance_m"].sum(), abs=5.0)
    assert act.records["elapsed_s"].iloc[-1] == pytest.approx(laps["total_timer_time_s"].sum(), abs=1.0)
    # heart rate: the laps' own averages, weighted by lap time, against the time-weighted records
    recs = act.records.dropna(subset=["heart_rate_bpm"])
    dt = np.diff(recs["elapsed_s"].to_numpy(), prepend=recs["elapsed_s"].iloc[0])
    ours = np.average(recs["heart_rate_bpm"], weights=dt)
    theirs = np.average(laps["avg_heart_rate_bpm"], weights=laps["total_timer_time_s"])
    assert ours == pytest.approx(theirs, abs=1.5)
    assert act.pauses.empty  # its new Tracks start new laps, not pauses


def test_a_gpx_without_sport_or_heart_rate_is_read_as_it_is():
    act = read_activity(XML / "gpxpy__cerknicko-jezero.gpx")
    assert act.sport == "running"  # no type: taken as a run (it is in a runner's folder)
    assert "heart_rate_bpm" not in act.records and len(act.records) == 296
    assert act.records["timer_s"].iloc[-1] < act.records["elapsed_s"].iloc[-1]  # long gaps are pauses


FENIX = DATA / "fitparse__activity-small-fenix2-run.fit"  # MIT, python-fitparse's tests


def test_the_same_run_as_fit_gpx_and_tcx_gives_the_same_numbers():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analyzer.FitWarning)
        fit = analyzer.read_fit(FENIX)
    gpx = read_activity_bytes(activity_to_gpx(fit), "run.gpx")
    tcx = read_activity_bytes(activity_to_tcx(fit), "run.tcx")
    # GPX: measured along the track, against the watch's total; TCX carries the records' distance
    for other, expected, distance_rel in ((gpx, fit.distance_m, 0.005), (tcx, fit.records["distance_m"].max(), 1e-6)):
        assert other.distance_m == pytest.approx(expected, rel=distance_rel)
        # GPX leaves out the points without a position (here the last two seconds), as Garmin Connect does
        same = fit.records.dropna(subset=["latitude_deg"]) if other is gpx else fit.records
        assert len(other.records) == len(same)
        assert other.records["elapsed_s"].iloc[-1] == (same.index[-1] - same.index[0]).total_seconds()
        assert other.records["heart_rate_bpm"].mean() == pytest.approx(same["heart_rate_bpm"].mean(), abs=0.5)
        assert other.records["cadence_spm"].mean() == pytest.approx(same["cadence_spm"].mean(), abs=1.0)


def test_gz_and_a_cramp_in_a_gpx_run(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analyzer.FitWarning)
        fit = analyzer.read_fit(FENIX)
    folder = write_athlete(tmp_path / "ana", {"timezone": "UTC"}, {}, [{"activity": "run.gpx.gz", "distance_km": 5.0,
                                                                       "leg": "left"}])
    (folder / "activities" / "run.gpx.gz").write_bytes(gzip.compress(activity_to_gpx(fit)))
    (folder / "activities" / "run.tcx").write_bytes(activity_to_tcx(fit))
    a = analyzer.analyze(analyzer.load_athlete(folder))
    assert set(a.runs["activity"]) == {"run.gpx.gz", "run.tcx"}
    cramp = a.cramps.iloc[0]
    assert cramp["context"] == "during_run" and cramp["distance_km"] == pytest.approx(5.0, abs=0.02)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><name>&lol9;</name></trk></gpx>"""

HOSTILE = {
    "laughs.gpx": (BILLION_LAUGHS, "document type"),
    "external.tcx": (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
                     "document type"),
    "wrong.gpx": (b'<?xml version="1.0"?>\n<gpx xmlns="http://example.com/not-gpx"><trk/></gpx>', "not a GPX"),
    "course.tcx": (b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
                   b"<Courses/></TrainingCenterDatabase>", "without an activity"),
    "broken.gpx": (b'<?xml version="1.0"?>\n<gpx xmlns="http://www.topografix.com/GPX/1/1">\n<trk>\n<trkseg>\n'
                   b'<trkpt lat="1" lon="2"><time>2024-01-01T00:00:00Z</trkpt>\n', "line 5"),
    "empty.tcx": (b"", "not well-formed"),
}


def test_hostile_or_broken_xml_gives_one_problem_each_and_the_rest_is_read(tmp_path, monkeypatch):
    for name, (data, _) in HOSTILE.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "good.gpx").write_bytes(GPX.read_bytes())
    from analyzer.io import gpx_tcx

    monkeypatch.setattr(gpx_tcx, "MAX_ACTIVITY_BYTES", 300_000)
    (tmp_path / "huge.gpx").write_bytes(b"<gpx>" + b" " * 400_000 + b"</gpx>")
    acts, problems = read_activity_folder(tmp_path)
    assert [a.source for a in acts] == ["good.gpx"]
    by_file = {Path(p.file).name: f"{p.location} {p.message}" for p in problems}
    assert set(by_file) == {*HOSTILE, "huge.gpx"}
    for name, (_, words) in HOSTILE.items():
        assert words in by_file[name], (name, by_file[name])
    assert "limit" in by_file["huge.gpx"]


def test_read_activity_raises_input_error_naming_file_and_line(tmp_path):
    path = tmp_path / "broken.gpx"
    path.write_bytes(HOSTILE["broken.gpx"][0])
    with pytest.raises(InputError, match=r"broken.gpx \(line 5\)"):
        read_activity(path)


def test_broken_xml_is_said_in_words_with_its_line_and_column_never_the_library_text(tmp_path):
    """ParseError's position gives the line and column; expat's own text ("mismatched tag: line 5,
    column 51") and the exception's class stay out of the problem line (they go to the log)."""
    cases = {
        # line 5 is '<trkpt lat="1" lon="2"><time>2024-01-01T00:00:00Z</trkpt>': 23 + 6 + 20 = 49 characters
        # before '</trkpt>' (which would close <time>); expat points at the tag's name, 2 further: 51 from 0,
        # column 52 counted from 1
        "broken.gpx": ("line 5", "not well-formed XML (column 52): a closing tag that does not match its opening tag"),
        "empty.tcx": ("line 1", "not well-formed XML (column 1): no XML at all (an empty file?)"),
        "laughs.gpx": ("", "declares a document type or entities, which activity files never need "
                           "(a crafted file can expand to gigabytes); not read"),
    }
    for name in cases:
        (tmp_path / name).write_bytes(HOSTILE[name][0])
    (tmp_path / "cut.gpx").write_bytes(GPX.read_bytes()[:-40])  # the last 40 bytes gone: a file cut short
    _, problems = read_activity_folder(tmp_path)
    by_file = {Path(p.file).name: (p.location, p.message) for p in problems}
    for name, expected in cases.items():
        assert by_file[name] == expected
    assert by_file["cut.gpx"][1].endswith("the file ends before its XML is complete (cut short?)")
    for _location, message in by_file.values():
        for library_text in ("mismatched tag", "no element found", "ParseError", "Forbidden", "Exception", "(line"):
            assert library_text not in message

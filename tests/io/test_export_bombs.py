"""Account exports that bomb (issue 22 §3): each probe is an export of a few MB built here, read in a
subprocess whose peak memory (``ru_maxrss``) and bytes written (``/proc/self/io`` ``wchar``: the
temporary space, since reading an export writes nothing else) are measured.

The bound: peak memory ≤ 1 GB and ≤ 200 MB written to temporary space for any export ≤ 10 MB on
disk. Members are deflated once and written by hand (:func:`write_zip`), so a member that inflates to
hundreds of MB costs the test only its compressed bytes and one pass of the compressor.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from analyzer.io import exports
from analyzer.io.exports import read_export
from analyzer.testing.fit_encode import encode_run

pytestmark = pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux /proc/self/io to count bytes written")

START = dt.datetime(2024, 6, 3, 6, 0, tzinfo=dt.UTC)
MIB = 2**20
SUMMARY_DIR = "DI_CONNECT/DI-Connect-Fitness/"
UPLOADS = "DI_CONNECT/DI-Connect-Uploaded-Files/"


def deflated(parts, level: int = 1):
    """(compressed, crc, size) of the concatenation of ``parts``: (bytes, repeat) pairs, raw deflate."""
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    out, crc, size = [], 0, 0
    for data, repeat in parts:
        for _ in range(repeat):
            out.append(c.compress(data))
            crc = zlib.crc32(data, crc)
            size += len(data)
    out.append(c.flush())
    return b"".join(out), crc, size


def stored(data: bytes):
    return data, zlib.crc32(data), len(data)


def write_zip(path: Path, members) -> Path:
    """A zip of ``(name, (compressed, crc, size), method)`` members (8 deflate, 0 stored); names may repeat."""
    central = []
    with open(path, "wb") as f:
        for name, (comp, crc, size), method in members:
            off, nb = f.tell(), name.encode()
            f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(comp), size, len(nb), 0))
            f.write(nb + comp)
            central.append((nb, crc, len(comp), size, off, method))
        start = f.tell()
        for nb, crc, clen, size, off, method in central:
            f.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, clen, size, len(nb),
                                0, 0, 0, 0, 0, off) + nb)
        end = f.tell()
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), end - start, start, 0))
    return path


def _fit(seconds: int = 1800, seed: float = 3.0) -> bytes:
    el = np.arange(0.0, seconds)
    return encode_run(START, el, distance_m=el * seed, speed_mps=np.full(len(el), seed),
                      heart_rate_bpm=np.full(len(el), 150.0))


def _inner_zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


SUMMARY = json.dumps([{"summarizedActivitiesExport": [
    {"activityId": 11700000001, "activityType": "running", "name": "Easy one"}]}]).encode()

MEASURE = r"""
import json, resource, sys
from pathlib import Path
from analyzer.io.exports import read_export
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
def wchar():
    return int(dict(l.split(": ") for l in open("/proc/self/io").read().splitlines())["wchar"])
w0 = wchar()
acts, probs = read_export(Path(sys.argv[1]))
print(json.dumps({"runs": sorted(a.source for a in acts), "titles": sorted(a.title for a in acts),
                  "problems": [f"{p.location}: {p.message}" for p in probs],
                  "base_mib": base / 1024, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "written_mib": (wchar() - w0) / 2**20}))
"""


def _measure(path: Path, tmp_path: Path) -> dict:
    """Read the export in a fresh interpreter, its temporary folder inside ``tmp_path``."""
    tmp = tmp_path / "tmpdir"
    tmp.mkdir(exist_ok=True)
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[2]), "TMPDIR": str(tmp), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_ten_huge_summary_files_stay_within_the_memory_bound(tmp_path):
    # the probe, scaled: ten summary files of 100 MB each (the 250 MB took 3.4 GB; one
    # 200 MB file alone 1.3 GB), beside one real run in a zip inside the zip
    item = b'{"activityId": 123456789, "activityType": "running", "name": "Morning Run", "distance": 1000.0},'
    body = deflated([(b'[{"summarizedActivitiesExport": [', 1), (item * 1000, 100 * MIB // (len(item) * 1000)),
                     (SUMMARY[len(b'[{"summarizedActivitiesExport": ['):], 1)])
    members = [(f"{SUMMARY_DIR}user_{i}_summarizedActivities.json", body, 8) for i in range(10)]
    members.append((f"{UPLOADS}UploadedFiles_0-_Part1.zip", stored(_inner_zip({"a_11700000001.fit": _fit()})), 0))
    path = write_zip(tmp_path / "ana.zip", members)
    assert path.stat().st_size < 10 * MIB
    got = _measure(path, tmp_path)
    assert got["peak_mib"] <= 1024 and got["peak_mib"] - got["base_mib"] < 100, got
    assert got["written_mib"] < 1
    assert got["runs"] == ["a_11700000001.fit"]  # the run is kept, by its own sport
    refused = [p for p in got["problems"] if "summarizedActivities.json" in p]
    assert len(refused) == 10 and all("more than any real summary file" in p for p in refused)


def test_a_big_valid_summary_file_is_read_as_a_stream(tmp_path):
    # 40 MB of activities (under the 64 MiB limit): read one activity at a time, never whole
    item = b'{"activityId": 123456789, "activityType": "cycling", "name": "Ride", "distance": 1000.0},'
    body = deflated([(b'[{"summarizedActivitiesExport": [', 1), (item * 1000, 40 * MIB // (len(item) * 1000)),
                     (SUMMARY[len(b'[{"summarizedActivitiesExport": ['):], 1)])
    path = write_zip(tmp_path / "ana.zip", [
        (f"{SUMMARY_DIR}user_summarizedActivities.json", body, 8),
        (f"{UPLOADS}UploadedFiles_0-_Part1.zip", stored(_inner_zip({"a_11700000001.fit": _fit()})), 0)])
    got = _measure(path, tmp_path)
    # json.loads of the whole file held about 300 MB more: bytes, text and half a million dicts
    assert got["peak_mib"] - got["base_mib"] < 60, got
    assert got["runs"] == ["a_11700000001.fit"] and got["titles"] == ["Easy one"]  # the last activity's title
    assert got["problems"] == []


def test_a_nested_zip_bomb_writes_nothing_to_temporary_space(tmp_path):
    # the probe: a "zip" member inflating to 3 GiB (here 300 MB) beside a real zip of runs
    zeros = deflated([(bytes(MIB), 300)])
    real = _inner_zip({"a_11700000001.fit": _fit()})
    path = write_zip(tmp_path / "ana.zip", [
        (f"{SUMMARY_DIR}user_summarizedActivities.json", stored(SUMMARY), 0),
        (f"{UPLOADS}UploadedFiles_0-_Part1.zip", stored(real), 0),  # stored: read in place
        (f"{UPLOADS}UploadedFiles_0-_Part2.zip", zeros, 8)])
    assert path.stat().st_size < 10 * MIB
    got = _measure(path, tmp_path)
    assert got["written_mib"] < 1, got  # it wrote 300 MB (3 GB for the member) before
    assert got["peak_mib"] <= 1024
    assert got["runs"] == ["a_11700000001.fit"] and got["titles"] == ["Easy one"]
    (problem,) = got["problems"]
    assert "UploadedFiles_0-_Part2.zip" in problem and "zip bomb" in problem


def test_a_compressed_nested_zip_is_spooled_within_its_cap(tmp_path):
    real = _inner_zip({"a_11700000001.fit": _fit()})
    path = write_zip(tmp_path / "ana.zip", [(f"{SUMMARY_DIR}user_summarizedActivities.json", stored(SUMMARY), 0),
                                           (f"{UPLOADS}UploadedFiles_0-_Part1.zip", deflated([(real, 1)]), 8)])
    got = _measure(path, tmp_path)
    assert got["runs"] == ["a_11700000001.fit"] and got["problems"] == []
    assert got["written_mib"] == pytest.approx(len(real) / MIB, abs=0.01)  # spooled once, exactly its size


def test_activity_files_that_inflate_a_thousand_times_are_refused(tmp_path):
    # FIT files of one record repeated 300,000 times (4.2 MB each from a few kB; real FIT files shrink 2-5
    # times): twenty of them held 2.5 GB before (2 million records each, from a 1.1 MB export)
    n = 300_000
    one = encode_run(START, np.zeros(n), distance_m=np.full(n, 5.0), speed_mps=np.full(n, 3.0),
                     heart_rate_bpm=np.full(n, 150.0), laps_every_m=None)
    body = deflated([(one, 1)], level=9)
    assert body[2] > 500 * len(body[0])
    gz = gzip.compress(_fit(3000, 2.5))
    inner = write_zip(tmp_path / "inner.zip", [(f"bomb_{1170000010 + k}.fit", body, 8) for k in range(20)]
                      + [("a_11700000001.fit.gz", stored(gz), 0)])
    path = write_zip(tmp_path / "ana.zip", [(f"{SUMMARY_DIR}user_summarizedActivities.json", stored(SUMMARY), 0),
                                           (f"{UPLOADS}UploadedFiles_0-_Part1.zip", stored(inner.read_bytes()), 0)])
    assert path.stat().st_size < 10 * MIB
    got = _measure(path, tmp_path)
    assert got["peak_mib"] <= 1024 and got["peak_mib"] - got["base_mib"] < 100, got
    assert got["runs"] == ["a_11700000001.fit.gz"]
    bombs = [p for p in got["problems"] if "bomb_" in p]
    assert len(bombs) == 20 and all("zip bomb" in p for p in bombs)
    # the same inside a .gz: the gzip layer counts against the same limit
    path = _strava(tmp_path / "s.zip", [("activities/101.fit.gz", gzip.compress(one, 9))])
    acts, problems = read_export(path)
    assert acts == [] and "inflates to more than" in problems[0].message and "times its" in problems[0].message


def test_the_records_held_from_one_export_are_capped(tmp_path, monkeypatch):
    # three runs of 1,800 records; a budget of 1,000 records is spent by the first: the next two are refused
    monkeypatch.setattr(exports, "EXPORT_MIN_RECORDS", 1000)
    monkeypatch.setattr(exports, "EXPORT_RECORDS_PER_BYTE", 1e-9)
    inner = _inner_zip({f"a_{11700000001 + k}.fit": _fit(seed=3.0 + k / 10) for k in range(3)})
    path = write_zip(tmp_path / "ana.zip", [(f"{SUMMARY_DIR}user_summarizedActivities.json", stored(SUMMARY), 0),
                                           (f"{UPLOADS}UploadedFiles_0-_Part1.zip", stored(inner), 0)])
    acts, problems = read_export(path)
    assert [a.source for a in acts] == ["a_11700000001.fit"]
    spent = [p for p in problems if "budget of 1,000 records" in p.message]
    assert [p.location for p in spent] == ["member a_11700000002.fit", "member a_11700000003.fit"]


def _strava(path: Path, members: list[tuple[str, bytes]]) -> Path:
    rows = "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Filename\n" \
           "101,\"Jun 3, 2024, 6:00:00 AM\",Tempo,Run,,activities/101.fit.gz\n"
    return write_zip(path, [("activities.csv", stored(rows.encode()), 0)]
                     + [(name, stored(data), 0) for name, data in members])


def test_duplicate_member_names_never_lose_a_valid_run_without_a_word(tmp_path):
    run = gzip.compress(_fit())
    junk = gzip.compress(b"not a fit file at all" * 10)
    for order in ((run, junk), (junk, run)):  # whichever copy comes last, the valid run is kept
        acts, problems = read_export(_strava(tmp_path / "s.zip", [("activities/101.fit.gz", d) for d in order]))
        assert [a.source for a in acts] == ["101.fit.gz"]  # by its plain name, so a cramp log still finds it
        text = " | ".join(f"{p.location}: {p.message}" for p in problems)
        assert "member activities/101.fit.gz: appears 2 times in the zip" in text
        bad = "activities/101.fit.gz (copy 2)" if order[1] is junk else "activities/101.fit.gz:"
        assert f"member {bad}" in text and "not" in text
    # two identical copies: one run, said once
    acts, problems = read_export(_strava(tmp_path / "s.zip", [("activities/101.fit.gz", run)] * 2))
    assert len(acts) == 1 and any("the same bytes as an earlier copy" in p.message for p in problems)
    # two different valid copies: both read, the second named as such
    other = gzip.compress(_fit(seed=3.5))
    acts, problems = read_export(_strava(tmp_path / "s.zip", [("activities/101.fit.gz", run),
                                                              ("activities/101.fit.gz", other)]))
    assert sorted(a.source for a in acts) == ["101.fit.gz", "101.fit.gz (copy 2)"]
    assert sorted(round(a.distance_m) for a in acts) == [round(1799 * 3.0), round(1799 * 3.5)]


def test_a_gpx_whose_clock_steps_back_inside_an_export_keeps_its_length(tmp_path):
    from tests.io.test_track import T_STEP_BACK, _arc, _flat_length_m, _gpx

    lat, lon = _arc(len(T_STEP_BACK), 13_000.0)
    rows = "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Filename\n" \
           "101,\"Jun 3, 2024, 6:00:00 AM\",Tempo,Run,,activities/101.gpx.gz\n"
    with zipfile.ZipFile(tmp_path / "s.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("activities.csv", rows)
        z.writestr("activities/101.gpx.gz", gzip.compress(_gpx(lat, lon, T_STEP_BACK)))
    (act,), problems = read_export(tmp_path / "s.zip")
    assert act.distance_m == pytest.approx(_flat_length_m(lat, lon), rel=0.02)
    assert any("out of time order" in p.message and p.location == "member activities/101.gpx.gz" for p in problems)

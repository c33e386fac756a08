"""Column rules of read_fit, on files written by the tests (values known by construction)
and on small real files in tests/data."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import warnings

import numpy as np
import pandas as pd
import pytest

import analyzer
from analyzer.testing.fit_encode import DevField, FitWriter, encode_run, to_fit_seconds
from analyzer.testing.synthetic import synthetic_run

START = dt.datetime(2024, 3, 10, 9, 0, tzinfo=dt.UTC)


def _run_bytes(**kwargs) -> bytes:
    elapsed = np.r_[np.arange(0, 600.0), np.arange(700, 1200.0)]  # paused from 600 s to 700 s
    defaults = dict(
        distance_m=elapsed * 3.0,
        speed_mps=np.full(len(elapsed), 3.0),
        heart_rate_bpm=np.full(len(elapsed), 150.0),
        cadence_spm=np.full(len(elapsed), 171.0),
        temperature_c=np.full(len(elapsed), 31.0),
        pauses=[(600.0, 700.0)],
        utc_offset_s=-7 * 3600,
    )
    defaults.update(kwargs)
    return encode_run(START, elapsed, **defaults)


def _read(data: bytes, name: str = "synthetic.fit", engine: str = "numpy") -> analyzer.Activity:
    buf = io.BytesIO(data)
    buf.name = name
    return analyzer.read_fit(buf, engine=engine)


def test_records_index_is_utc_time_and_units_are_in_names():
    act = _read(_run_bytes())
    recs = act.records
    assert recs.index.name == "time" and str(recs.index.tz) == "UTC"
    assert recs.index[0] == pd.Timestamp(START)
    assert list(recs.columns[:3]) == ["session", "elapsed_s", "timer_s"]
    assert {"distance_m", "speed_mps", "heart_rate_bpm", "cadence_spm", "temperature_c"} <= set(recs.columns)
    assert "power_w" not in recs and "latitude_deg" not in recs  # absent fields give no column
    assert len(recs) == 1100


def test_pauses_and_moving_time_from_timer_events():
    act = _read(_run_bytes())
    assert len(act.pauses) == 1
    pause = act.pauses.iloc[0]
    assert pause["start"] == pd.Timestamp(START) + pd.Timedelta(seconds=600)
    assert pause["duration_s"] == 100.0
    after = act.records.loc[pd.Timestamp(START) + pd.Timedelta(seconds=700)]
    assert after["elapsed_s"] == 700.0
    assert after["timer_s"] == 600.0  # 100 s of pause removed
    assert act.session["total_timer_time_s"] == pytest.approx(1099.0)


def test_laps_sessions_events_and_pauses_are_built_when_first_read_and_kept():
    import pickle

    from analyzer.model import Deferred

    act = _read(_run_bytes())
    names = ("laps", "sessions", "events", "pauses")
    assert all(isinstance(act.__dict__[f"_frame_{n}"], Deferred) for n in names)  # nothing built yet
    laps = act.laps
    assert act.laps is laps and not isinstance(act.__dict__["_frame_laps"], Deferred)  # built once, kept
    assert isinstance(act.__dict__["_frame_events"], Deferred)  # the others still wait
    copy = pickle.loads(pickle.dumps(act))  # a builder never crosses a process: frames are built first
    for n in names:
        pd.testing.assert_frame_equal(getattr(copy, n), getattr(act, n))
    # the file's timer: start, stop at 600 s, start at 700 s, stop at the end; the test
    # encoder's four laps tile the run from the first record to the last (09:00:00 to 09:19:59)
    assert list(copy.events["event_type"]) == ["start", "stop_all", "start", "stop_all"]
    assert copy.pauses["duration_s"].tolist() == [100.0]
    assert len(copy.laps) == 4 and copy.laps["total_timer_time_s"].sum() == pytest.approx(1199.0)


def test_cadence_is_steps_per_minute_with_fractional_part():
    # 171 steps/min is written as FIT cadence 85 strides/min + fractional_cadence 0.5
    act = _read(_run_bytes(cadence_spm=np.full(1100, 171.0)))
    assert act.records["cadence_spm"].unique().tolist() == [171.0]


def test_cycling_cadence_stays_rpm():
    act = _read(_run_bytes(sport="cycling", cadence_spm=np.full(1100, 180.0)))
    assert "cadence_spm" not in act.records
    assert act.records["cadence_rpm"].iloc[0] == 90.0  # the writer halves; cycling is not doubled back


def test_invalid_and_zero_heart_rate_are_nan():
    hr = np.full(1100, 150.0)
    hr[10] = np.nan  # written as the FIT invalid value 0xFF
    hr[11] = 0.0
    recs = _read(_run_bytes(heart_rate_bpm=hr)).records
    assert np.isnan(recs["heart_rate_bpm"].iloc[10]) and np.isnan(recs["heart_rate_bpm"].iloc[11])
    assert recs["heart_rate_bpm"].iloc[12] == 150.0


def test_enhanced_fields_are_preferred_over_plain_ones():
    w = FitWriter()
    w.write("file_id", type="activity", manufacturer="development", product=1, time_created=START)
    w.write("record", timestamp=START, speed=2.5, enhanced_speed=70.123, altitude=100.0, enhanced_altitude=4810.4)
    w.write("record", timestamp=START + dt.timedelta(seconds=1), speed=2.5, altitude=100.0)
    recs = _read(w.to_bytes()).records
    assert recs["speed_mps"].iloc[0] == pytest.approx(70.123)  # above the 16-bit speed's range
    assert recs["altitude_m"].iloc[0] == pytest.approx(4810.4)
    assert recs["speed_mps"].iloc[1] == pytest.approx(2.5)  # plain value used where no enhanced one
    assert recs["altitude_m"].iloc[1] == pytest.approx(100.0)


def test_plain_speed_and_altitude_only():
    recs = _read(_run_bytes(enhanced=False, altitude_m=np.full(1100, 512.4))).records
    assert recs["speed_mps"].iloc[0] == pytest.approx(3.0)
    assert recs["altitude_m"].iloc[0] == pytest.approx(512.4)


def test_local_offset_from_activity_message():
    assert _read(_run_bytes(utc_offset_s=-7 * 3600)).utc_offset == pd.Timedelta(hours=-7)
    assert _read(_run_bytes(utc_offset_s=5 * 3600 + 1800)).utc_offset == pd.Timedelta(hours=5, minutes=30)
    assert _read(_run_bytes(utc_offset_s=None)).utc_offset is None


def test_gzip_and_file_objects_and_paths_read_the_same(tmp_path):
    data = _run_bytes()
    plain = tmp_path / "run.fit"
    plain.write_bytes(data)
    gz = tmp_path / "run.fit.gz"
    gz.write_bytes(gzip.compress(data))
    a = analyzer.read_fit(plain)
    b = analyzer.read_fit(gz)
    with open(plain, "rb") as fh:
        c = analyzer.read_fit(fh)
    pd.testing.assert_frame_equal(a.records, b.records)
    pd.testing.assert_frame_equal(a.records, c.records)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.fit", "run.fit.gz"]  # nothing written


def test_big_endian_and_compressed_timestamps():
    w = FitWriter(little_endian=False)
    w.write("file_id", type="activity", manufacturer="development", product=1, time_created=START)
    w.write("record", timestamp=START, heart_rate=120, distance=0.0)
    for i in range(1, 40):  # 5-bit offsets roll over every 32 s
        w.write("record", compressed_time_offset=(to_fit_seconds(START) + i) & 0x1F, heart_rate=120 + i, distance=i * 3.0)
    data = w.to_bytes()
    fast = _read(data)
    ref = _read(data, engine="fitparse")
    expected = pd.date_range(START, periods=40, freq="s", tz="UTC")
    assert (fast.records.index == expected).all()
    assert fast.records["heart_rate_bpm"].iloc[-1] == 159.0
    pd.testing.assert_frame_equal(fast.records, ref.records)


def test_developer_fields_become_named_columns():
    core = DevField(0, 0, "core_temperature", "°C", 0x88)
    stryd = DevField(0, 1, "Power", "Watts", 0x84)
    w = FitWriter(dev_fields=[core, stryd])
    w.write("file_id", type="activity", manufacturer="development", product=1, time_created=START)
    w.write("record", timestamp=START, heart_rate=140, core_temperature=38.25, Power=250)
    recs = _read(w.to_bytes()).records
    assert recs["core_temperature_c"].iloc[0] == pytest.approx(38.25)
    assert recs["power_w"].iloc[0] == 250.0


def test_developer_fields_on_a_real_stryd_file(data_dir):
    recs = analyzer.read_fit(data_dir / "fitparse__developer-types-sample.fit").records
    # Stryd writes its own Form Power and Leg Spring Stiffness, and its own speed beside the watch's
    assert {"form_power_w", "leg_spring_stiffness_kn_per_m", "dev_speed_mps"} <= set(recs.columns)
    assert recs["form_power_w"].between(0, 400).all()


def test_accumulated_compressed_speed_distance_matches_session(data_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analyzer.FitWarning)
        act = analyzer.read_fit(data_dir / "fitparse__compressed-speed-distance.fit")
    # Forerunner 70 packs 12-bit speed and a rolling 12-bit distance in 3 bytes
    assert act.records["distance_m"].iloc[-1] == pytest.approx(act.session["total_distance_m"], abs=1.0)
    assert any("switched on" in p.message for p in act.problems)


def test_truncated_file_keeps_data_and_warns(data_dir):
    with pytest.warns(analyzer.FitWarning, match="truncated"):
        act = analyzer.read_fit(data_dir / "fitparse__activity-unexpected-eof.fit")
    assert len(act.records) == 14  # what the Garmin SDK recovers
    assert any(p.location.startswith("byte ") for p in act.problems)


def test_bad_crc_is_a_problem_not_an_error(data_dir):
    with pytest.warns(analyzer.FitWarning, match="CRC"):
        act = analyzer.read_fit(data_dir / "fitparse__activity-filecrc.fit")
    assert len(act.records) == 14


def test_every_truncation_of_a_small_file_is_safe(data_dir):
    data = (data_dir / "fitparse__Activity.fit").read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analyzer.FitWarning)
        for cut in range(len(data)):
            try:
                act = _read(data[:cut], name="cut.fit")
            except analyzer.FitError as exc:
                assert cut < 12 and exc.offset == 0
                continue
            assert cut >= 12
            assert act.problems  # every cut file is reported


def test_read_fit_folder_reports_bad_files_and_reads_the_rest(tmp_path):
    (tmp_path / "a.fit").write_bytes(_run_bytes())
    (tmp_path / "B.FIT").write_bytes(_run_bytes(utc_offset_s=0))
    (tmp_path / "c.fit.gz").write_bytes(gzip.compress(_run_bytes()))
    (tmp_path / "broken.fit").write_bytes(b"garbage")
    (tmp_path / "notes.txt").write_text("not a fit file")
    activities, problems = analyzer.read_fit_folder(tmp_path)
    assert sorted(a.source for a in activities) == ["B.FIT", "a.fit", "c.fit.gz"]
    assert len(problems) == 1 and problems[0].file.endswith("broken.fit")
    assert problems[0].location == "byte 0"


def test_multisport_sessions_are_kept_and_running_is_selectable():
    w = FitWriter()
    w.write("file_id", type="activity", manufacturer="development", product=1, time_created=START)
    for i in range(20):
        w.write("record", timestamp=START + dt.timedelta(seconds=i), distance=float(i), cadence=80)
    w.write("session", timestamp=START + dt.timedelta(seconds=9), start_time=START, total_elapsed_time=10, sport="cycling")
    w.write("session", timestamp=START + dt.timedelta(seconds=19), start_time=START + dt.timedelta(seconds=10),
            total_elapsed_time=10, sport="running")
    act = _read(w.to_bytes())
    assert act.sessions["sport"].tolist() == ["cycling", "running"]
    assert act.records["session"].tolist() == [0] * 10 + [1] * 10
    run = act.select("running")
    assert len(run.records) == 10 and run.sport == "running"
    assert run.records["cadence_spm"].iloc[0] == 160.0
    assert act.records["cadence_rpm"].iloc[0] == 80.0


def test_a_decoder_failure_falls_back_to_fitparse_and_says_so(monkeypatch, caplog):
    from analyzer.io import fit

    data = synthetic_run(dt.datetime(2024, 6, 1, 6, tzinfo=dt.UTC), 3.0, 330, seed=4)

    def broken(*args, **kwargs):
        raise IndexError("index 7 is out of bounds")

    monkeypatch.setattr(fit, "decode", broken)
    with pytest.warns(analyzer.FitWarning, match="fast reader failed"), caplog.at_level("INFO", "analyzer.io.fit"):
        act = analyzer.read_fit(io.BytesIO(data))
    assert act.engine == "fitparse"
    assert act.problems[0].message == ("the fast reader failed on this file (a fault in the analyzer, details in "
                                       "the log); read with fitparse instead (please report this file)")
    assert "IndexError: index 7 is out of bounds" in caplog.text  # the exception goes to the log, not the page
    reference = analyzer.read_fit(io.BytesIO(data), engine="fitparse")
    pd.testing.assert_frame_equal(act.records, reference.records, check_exact=True)
    assert len(act.records) == len(reference.records) == 991  # 3 km at 5:30/km, a record a second


def test_a_session_table_of_unequal_columns_falls_back_to_fitparse(monkeypatch):
    """Only the sessions' start, sport and distance are made into columns with the records; a fault in
    any other session column (here one value short, as a decoder bug could leave it) must still reach
    read_fit, which then reads the file with fitparse, as when every column was built at once."""
    from analyzer.io import fit

    data = synthetic_run(dt.datetime(2024, 6, 1, 6, tzinfo=dt.UTC), 3.0, 330, seed=4)
    decode = fit.decode

    def short_session_column(*args, **kwargs):
        messages = decode(*args, **kwargs)
        session = messages.get("session")
        session["avg_heart_rate"] = session["avg_heart_rate"][:0]
        return messages

    monkeypatch.setattr(fit, "decode", short_session_column)
    with pytest.warns(analyzer.FitWarning, match="fast reader failed"):
        act = analyzer.read_fit(io.BytesIO(data))
    assert act.engine == "fitparse" and act.sport == "running"
    reference = analyzer.read_fit(io.BytesIO(data), engine="fitparse")
    pd.testing.assert_frame_equal(act.sessions, reference.sessions, check_exact=True)


def test_when_fitparse_cannot_read_it_either_the_decoders_error_is_raised(monkeypatch):
    from analyzer.io import fit

    # a FIT header, then a data message of a local type never defined: fitparse refuses it
    data = b"\x0e\x10\x00\x00" + (40).to_bytes(4, "little") + b".FIT\x00\x00" + bytes(40)

    def broken(*args, **kwargs):
        raise IndexError("index 7 is out of bounds")

    monkeypatch.setattr(fit, "decode", broken)
    with pytest.raises(IndexError, match="index 7"):
        analyzer.read_fit(io.BytesIO(data))


def test_a_frame_that_fails_to_build_is_empty_and_said_records_kept(monkeypatch, caplog):
    import analyzer.io.fit as fit

    def broken(table):
        raise ValueError("bad event table")

    monkeypatch.setattr(fit, "_events", broken)
    act = _read(_run_bytes())
    assert len(act.records) == 1100 and act.problems == []
    with caplog.at_level("INFO", "analyzer.io.fit"):
        assert act.events.empty  # built on this read: fails, shown empty
    assert [p.message for p in act.problems] == [
        f"the events {fit.BUILD_FAILED} (a fault in the analyzer, details in the log); shown empty"]
    assert "ValueError: bad event table" in caplog.text
    assert act.problems[0].file == "synthetic.fit"
    assert len(act.pauses) == 1  # the other frames are unaffected

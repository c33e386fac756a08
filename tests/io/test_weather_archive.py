"""Heat for runs without a weather.csv: the weather archive, served by a local stand-in speaking
Open-Meteo's documented format (no test touches the internet)."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from urllib.parse import parse_qs

import numpy as np
import pandas as pd
import pytest
from werkzeug import Request, Response

import analyzer
from analyzer.io import weather_archive
from analyzer.metrics.sun import cos_solar_zenith
from analyzer.testing.synthetic import synthetic_run, write_athlete
from analyzer.weather import client as weather_client

UTC = dt.UTC
MADRID = (40.4168, -3.7038)
START = dt.datetime(2024, 6, 3, 6, 0, tzinfo=UTC)  # 08:00 in Madrid
HOT_DAYS = {dt.date(2024, 6, 15), dt.date(2024, 6, 24)}
TEMPE = {"device_index": 2, "device_type": 25, "source_type": "antplus", "manufacturer": "garmin", "product": 1570}


def archive_answer(params: dict[str, str]) -> dict:
    """Hourly weather as the Open-Meteo archive documents it (timeformat=unixtime): 34 °C and 55 %
    on the hot days, 16 °C and 60 % otherwise; a light wind; clear-sky sun."""
    first = dt.date.fromisoformat(params["start_date"])
    last = dt.date.fromisoformat(params["end_date"])
    hours = pd.date_range(pd.Timestamp(first, tz="UTC"), pd.Timestamp(last, tz="UTC") + pd.Timedelta(hours=23),
                          freq="h")
    hot = np.array([h.date() in HOT_DAYS for h in hours])
    lat, lon = float(params["latitude"]), float(params["longitude"])
    # clear-sky-like sunshine: the mean of the hour before each stamp, 75 % of a 1000 W/m² sun
    sun = np.clip(cos_solar_zenith(hours - pd.Timedelta(minutes=30), lat, lon), 0, None)
    shortwave = 750.0 * sun
    return {
        "latitude": lat + 0.02, "longitude": lon - 0.03, "generationtime_ms": 1.2, "utc_offset_seconds": 0,
        "timezone": "GMT", "timezone_abbreviation": "GMT", "elevation": 650.0,
        "hourly_units": {"time": "unixtime", "temperature_2m": "°C", "relative_humidity_2m": "%",
                         "dew_point_2m": "°C", "wind_speed_10m": "m/s", "shortwave_radiation": "W/m²",
                         "direct_radiation": "W/m²", "surface_pressure": "hPa"},
        "hourly": {
            "time": [int(h.timestamp()) for h in hours],
            "temperature_2m": np.where(hot, 34.0, 16.0).tolist(),
            "relative_humidity_2m": np.where(hot, 55, 60).tolist(),
            "dew_point_2m": np.where(hot, 23.7, 8.3).tolist(),
            "wind_speed_10m": [1.5] * len(hours),
            "shortwave_radiation": shortwave.round(1).tolist(),
            "direct_radiation": (0.8 * shortwave).round(1).tolist(),
            "surface_pressure": [940.0] * len(hours),
        },
    }


class FakeArchive:
    """The stand-in: answers like the archive, or with a status, and keeps every query."""

    def __init__(self, httpserver) -> None:
        self.queries: list[dict[str, str]] = []
        self.status = 200
        self.server = httpserver
        httpserver.expect_request("/v1/archive").respond_with_handler(self.handle)

    @property
    def url(self) -> str:
        return self.server.url_for("/v1/archive")

    def handle(self, request: Request) -> Response:
        query = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        self.queries.append(query)
        if self.status != 200:
            return Response("busy", status=self.status)
        return Response(json.dumps(archive_answer(query)), content_type="application/json")


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """Each test starts with an empty weather cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture
def archive(httpserver, monkeypatch):
    monkeypatch.setenv("CRAMP_WEATHER_URL", httpserver.url_for("/v1/archive"))
    monkeypatch.setattr(weather_client, "RETRY_WAIT_S", (0.01, 0.02))
    weather_archive._REACHABLE.clear()
    weather_archive._FAILURES.clear()
    yield FakeArchive(httpserver)
    weather_archive._REACHABLE.clear()
    weather_archive._FAILURES.clear()


def season(n=12, position=MADRID, days=(0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33), **kw) -> dict[str, bytes]:
    return {f"r{d:02d}.fit": synthetic_run(START + dt.timedelta(days=d), 8.0, 330, seed=d,
                                           start_position_deg=position, **kw) for d in days[:n]}


def cramps_on(days) -> list[dict]:
    return [{"time": (START + dt.timedelta(days=d, minutes=30)).isoformat(), "leg": "left", "muscle": "calf"}
            for d in days]


def report(team, out, cache, **kw):
    return analyzer.run_report(team, out, jobs=1, cache_dir=cache, **kw)


def test_hot_runs_from_the_archive_are_flagged_and_cool_ones_are_not(archive, tmp_path):
    # hot days are day 12 and day 21 of the season (15 and 24 June); cramps on a hot and a cool run
    folder = write_athlete(tmp_path / "team" / "ana", {"timezone": "Europe/Madrid"}, season(), cramps_on([12, 6]))
    athlete = analyzer.load_athlete(folder, weather="auto")
    a = analyzer.analyze(athlete)
    runs = a.runs.set_index("activity")
    assert runs.loc["r12.fit", "air_temperature_c"] == pytest.approx(34.0)
    assert runs.loc["r06.fit", "air_temperature_c"] == pytest.approx(16.0)
    source = runs.loc["r12.fit", "air_temperature_source"]
    assert source.startswith("archive:open-meteo era5_seamless (40.4°N 3.7°W, ") and source.endswith(" km from the run)")
    assert runs.loc["r12.fit", "wbgt_source"].startswith("Liljegren")
    cramps = a.cramps.set_index("cramp_row")
    assert cramps.loc[1, "patterns"] == "dehydration_heat" and cramps.loc[2, "patterns"] == ""
    assert cramps.loc[1, "air_temperature_source"] == source
    heat = a.flags[(a.flags["cramp_row"] == 1) & (a.flags["rule"] == "heat_index")].iloc[0]
    assert heat["air_temperature_source"] == source
    hot_run_flags = a.flags[(a.flags["scope"] == "run") & (a.flags["pattern"] == "dehydration_heat")]["activity"]
    assert set(hot_run_flags) == {"r12.fit", "r21.fit"}
    assert not [p for p in a.problems if p.location == "weather"]


def test_only_rounded_coordinates_and_dates_leave_the_machine(archive, tmp_path):
    folder = write_athlete(tmp_path / "ana", {"name": "Ana Secret", "timezone": "Europe/Madrid"}, season(4), [])
    analyzer.load_athlete(folder)
    assert len(archive.queries) == 1
    (q,) = archive.queries
    assert set(q) == {"latitude", "longitude", "start_date", "end_date", "hourly", "models", "wind_speed_unit",
                      "timezone", "timeformat"}
    assert q["models"] == "era5_seamless"  # the reanalysis the docs name, not the archive's best-match mix
    assert q["latitude"] == "40.4" and q["longitude"] == "-3.7"  # not 40.4168, -3.7038
    assert (q["start_date"], q["end_date"]) == ("2024-06-03", "2024-06-12")
    assert "Secret" not in json.dumps(q)


def test_a_second_run_sends_nothing_and_a_club_season_sends_little(archive, tmp_path):
    team = tmp_path / "team"
    for k in range(3):  # three athletes running around the same park for a season
        write_athlete(team / f"a{k}", {"timezone": "Europe/Madrid"},
                      season(12, position=(MADRID[0] + 0.01 * k, MADRID[1])), [])
    first = report(team, tmp_path / "out1", tmp_path / "cache")
    assert first.exit_code == 0, first.problems
    assert 1 <= len(archive.queries) <= 3  # a handful for the club's season, not one per run (36)
    before = len(archive.queries)
    second = report(team, tmp_path / "out2", tmp_path / "cache", use_cache=False)
    assert second.exit_code == 0 and len(archive.queries) == before  # all from the weather cache
    rows = pd.read_csv(tmp_path / "out2" / "cramps.csv")
    assert "air_temperature_source" in rows.columns


def test_weather_csv_wins_over_the_archive(archive, tmp_path):
    hot_day = START + dt.timedelta(days=12)
    weather = [{"time": (hot_day + dt.timedelta(hours=h)).isoformat(), "temperature_c": 21.0,
                "relative_humidity_pct": 50} for h in range(-2, 4)]
    folder = write_athlete(tmp_path / "ana", {"timezone": "Europe/Madrid"}, season(), cramps_on([12]), weather)
    a = analyzer.analyze(analyzer.load_athlete(folder))
    runs = a.runs.set_index("activity")
    assert runs.loc["r12.fit", "air_temperature_c"] == pytest.approx(21.0)
    assert runs.loc["r12.fit", "air_temperature_source"] == "weather.csv"
    assert runs.loc["r09.fit", "air_temperature_source"].startswith("archive:")  # not covered by the csv
    assert a.cramps.iloc[0]["air_temperature_source"] == "weather.csv"


def test_an_external_air_sensor_is_air_temperature(archive, tmp_path):
    # a FIT file written with the project's own writer, whose device_info lists a Garmin Tempe:
    # its temperature field is the Tempe's air reading (29 °C), not the wrist's
    runs = season(4)
    runs["tempe.fit"] = synthetic_run(START + dt.timedelta(days=12), 8.0, 330, seed=99, wrist_temperature_c=29.0,
                                      start_position_deg=MADRID, sensors=[TEMPE])
    folder = write_athlete(tmp_path / "ana", {"timezone": "Europe/Madrid"}, runs, cramps_on([12]))
    a = analyzer.analyze(analyzer.load_athlete(folder))
    row = a.runs.set_index("activity").loc["tempe.fit"]
    assert row["air_temperature_source"] == "sensor"
    assert row["air_temperature_c"] == pytest.approx(29.0, abs=0.2)
    # humidity from the archive's dew point (23.7 °C) at the sensor's 29 °C, by the Magnus form
    # (Alduchov & Eskridge): 100 × exp(17.625 × 23.7 / 266.74 − 17.625 × 29 / 272.04) = 73.1 %
    assert row["relative_humidity_pct"] == pytest.approx(73.1, abs=0.5)
    assert a.cramps.iloc[0]["air_temperature_source"] == "sensor"
    # without the sensor entry the same temperatures are the wrist's, never air
    plain = season(4)
    plain["wrist.fit"] = synthetic_run(START + dt.timedelta(days=12), 8.0, 330, seed=99, wrist_temperature_c=29.0,
                                       start_position_deg=MADRID)
    b = analyzer.analyze(analyzer.load_athlete(write_athlete(tmp_path / "bob", {"timezone": "UTC"}, plain, [])))
    assert b.runs.set_index("activity").loc["wrist.fit", "air_temperature_c"] == pytest.approx(34.0)  # archive


@pytest.mark.parametrize("status", [429, 500])
def test_a_busy_archive_gives_unknown_with_one_problem_and_the_batch_goes_on(archive, tmp_path, status):
    archive.status = status
    team = tmp_path / "team"
    for k in range(2):
        write_athlete(team / f"a{k}", {"timezone": "Europe/Madrid"}, season(6), cramps_on([12]))
    t0 = time.perf_counter()
    result = report(team, tmp_path / "out", tmp_path / "cache")
    assert time.perf_counter() - t0 < 30
    assert result.athletes == 2 and result.exit_code == 1
    weather = [p for p in result.problems if p.location == "weather"]
    assert len(weather) == 2  # one clear line per athlete
    assert f"HTTP {status}" in weather[0].message and "after 3 tries" in weather[0].message
    assert len(archive.queries) == weather_archive.RETRY_ATTEMPTS  # given up once, not asked again
    rows = pd.read_csv(tmp_path / "out" / "cramps.csv")
    assert rows["air_temperature_source"].eq("unknown").all() and rows["air_temperature_c"].isna().all()


def test_offline_says_so_once_probes_once_and_never_fails(tmp_path, monkeypatch):
    monkeypatch.setenv("CRAMP_WEATHER_URL", "http://127.0.0.1:9/v1/archive")  # nothing listens there
    weather_archive._REACHABLE.clear()
    probes: list[tuple] = []
    connect = weather_client.socket.create_connection

    def counted(address, *args, **kwargs):
        probes.append(address)
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(weather_client.socket, "create_connection", counted)
    asked: list[dict] = []
    monkeypatch.setattr(weather_archive.Archive, "_get", lambda self, params: asked.append(params))
    team = tmp_path / "team"
    for k in range(3):
        write_athlete(team / f"a{k}", {"timezone": "Europe/Madrid"}, season(6), cramps_on([12]))
    offline = report(team, tmp_path / "out", tmp_path / "cache", use_cache=False)
    off = report(team, tmp_path / "out_off", tmp_path / "cache", use_cache=False, weather="off")
    assert offline.athletes == 3 and len(offline.notices) == 1 and "not reachable" in offline.notices[0]
    # what costs time offline: one connection tried for the whole report (its probe time bounded by
    # PROBE_TIMEOUT_S), and no request to the archive for any of the 18 runs
    assert probes == [("127.0.0.1", 9)] and asked == []
    assert not off.notices
    a = analyzer.analyze(analyzer.load_athlete(team / "a0", weather="cache"))
    assert not (a.flags["pattern"] == "dehydration_heat").any()
    (line,) = [p for p in a.problems if p.location == "weather"]
    assert "air temperature unknown for 6 runs" in line.message


def test_weather_off_in_the_profile_or_the_call_sends_nothing(archive, tmp_path):
    folder = write_athlete(tmp_path / "ana", {"timezone": "Europe/Madrid", "weather": "off"}, season(4), [])
    a = analyzer.analyze(analyzer.load_athlete(folder))
    assert archive.queries == [] and a.runs["air_temperature_source"].eq("unknown").all()
    folder = write_athlete(tmp_path / "bob", {"timezone": "Europe/Madrid"}, season(4), [])
    analyzer.load_athlete(folder, weather="off")
    assert archive.queries == []
    bob = analyzer.load_athlete(folder)  # auto: asks, then analyze(weather="off") leaves it out
    assert len(archive.queries) == 1
    assert analyzer.analyze(bob, weather="off").runs["air_temperature_source"].eq("unknown").all()


def test_days_the_archive_does_not_have_yet_are_not_cached(archive, tmp_path, monkeypatch):
    real = archive_answer

    def recent(params):
        answer = real(params)
        answer["hourly"]["temperature_2m"] = [None] * len(answer["hourly"]["time"])  # not published yet
        return answer

    monkeypatch.setattr(sys.modules[__name__], "archive_answer", recent)
    folder = write_athlete(tmp_path / "ana", {"timezone": "Europe/Madrid"}, season(2), [])
    a = analyzer.load_athlete(folder)
    # days of 2024 are long published: the answer simply has no temperature (never "not yet")
    assert a.archive == {} and a.archive_notes["r00.fit"].endswith("answer has no air temperature for these days")
    assert not list(tmp_path.glob("**/weather/open-meteo/**/*.json"))

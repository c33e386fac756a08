"""Heat from the archive and sensors (issue 21): dates after today, one refused request, the
sensor's air with the archive's dew point, WBGT at dawn, noon and dusk against Liljegren's own
code, and what errors.csv says offline. The archive is a local stand-in (no test touches the
internet) that refuses dates after today as the real one does."""

from __future__ import annotations

import datetime as dt
import json
import math
from urllib.parse import parse_qs

import numpy as np
import pandas as pd
import pytest
from werkzeug import Request, Response

import analyzer
from analyzer.air import run_air
from analyzer.io import weather_archive
from analyzer.metrics.heat import heat_index_c
from analyzer.testing.synthetic import synthetic_run, write_athlete
from analyzer.weather import client as weather_client
from tests.io.test_weather_archive import MADRID, TEMPE, archive_answer, cramps_on, season

UTC = dt.UTC


class StrictArchive:
    """Answers like the archive; like the real one, refuses an ``end_date`` after today (UTC)
    with HTTP 400 and a JSON reason; can refuse chosen cells; keeps every query."""

    def __init__(self, httpserver, answer=archive_answer) -> None:
        self.queries: list[dict[str, str]] = []
        self.answer = answer
        self.refuse_latitudes: set[str] = set()
        httpserver.expect_request("/v1/archive").respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        q = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        self.queries.append(q)
        today = dt.datetime.now(UTC).date()
        if dt.date.fromisoformat(q["end_date"]) > today or q["latitude"] in self.refuse_latitudes:
            reason = f"Parameter 'end_date' is out of allowed range from 1940-01-01 to {today}"
            return Response(json.dumps({"error": True, "reason": reason}), status=400, content_type="application/json")
        return Response(json.dumps(self.answer(q)), content_type="application/json")


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture
def strict(httpserver, monkeypatch):
    monkeypatch.setenv("CRAMP_WEATHER_URL", httpserver.url_for("/v1/archive"))
    monkeypatch.setattr(weather_client, "RETRY_WAIT_S", (0.01, 0.02))
    weather_archive._REACHABLE.clear()
    weather_archive._FAILURES.clear()
    yield StrictArchive(httpserver)
    weather_archive._REACHABLE.clear()
    weather_archive._FAILURES.clear()


def test_a_future_dated_run_never_costs_another_athlete_its_heat(strict, tmp_path):
    now = dt.datetime.now(UTC)
    team = tmp_path / "team"
    write_athlete(team / "ana", {"timezone": "Europe/Madrid"}, season(), cramps_on([12]))
    # Bob's watch runs three days ahead; his other run ended an hour ago (its +2 h margin reaches
    # into tomorrow when run late in the UTC day)
    bob_runs = {"ahead.fit": synthetic_run(now + dt.timedelta(days=3), 5.0, 330, seed=1, start_position_deg=MADRID),
                "recent.fit": synthetic_run(now - dt.timedelta(minutes=90), 5.0, 330, seed=2,
                                            start_position_deg=MADRID)}
    write_athlete(team / "bob", {"timezone": "America/New_York"}, bob_runs, [])
    result = analyzer.run_report(team, tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache")
    today = dt.datetime.now(UTC).date()
    assert strict.queries and all(dt.date.fromisoformat(q["end_date"]) <= today for q in strict.queries)
    ana = analyzer.analyze(analyzer.load_athlete(team / "ana", weather="cache",
                                                 archive=weather_archive.Archive(tmp_path / "cache", "cache")))
    hot = ana.runs.set_index("activity").loc["r12.fit"]
    assert hot["air_temperature_c"] == pytest.approx(34.0)  # Ana keeps her heat
    assert "dehydration_heat" in set(ana.flags["pattern"])
    bob = [p for p in result.problems if p.athlete == "bob" and p.location == "weather"]
    assert len(bob) == 1 and "air temperature unknown for 1 run:" in bob[0].message
    assert f"dated after today ({today}, UTC)" in bob[0].message
    assert not [p for p in result.problems if p.athlete == "ana"]
    # the archive's data is on Ana's page, so is its licence attribution
    page = (tmp_path / "out" / "ana" / "report.html").read_text(encoding="utf-8")
    assert "Weather data by Open-Meteo.com" in page and "CC BY 4.0" in page


def test_a_refused_request_costs_only_its_own_runs(strict, tmp_path):
    strict.refuse_latitudes = {"40.4"}  # Madrid's cell is refused; Seville's is answered
    team = tmp_path / "team"
    write_athlete(team / "ana", {"timezone": "Europe/Madrid"}, season(4), [])
    write_athlete(team / "eva", {"timezone": "Europe/Madrid"}, season(4, position=(37.3891, -5.9845)), [])
    result = analyzer.run_report(team, tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache")
    assert sorted(q["latitude"] for q in strict.queries) == ["37.4", "40.4"]  # the refusal stopped nothing
    (line,) = [p for p in result.problems if p.location == "weather"]
    assert line.athlete == "ana" and "air temperature unknown for 4 runs" in line.message
    assert "refused the request for 2024-06-03 to 2024-06-12 (HTTP 400: Parameter 'end_date'" in line.message
    rows = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert set(rows["athlete"]) == {"ana", "eva"}


def test_sensor_air_with_the_archive_dew_point_worked_case(httpserver, monkeypatch, tmp_path):
    # the archive says 25 °C and 60 %; a Tempe on the runner says 30 °C.
    # Dew point of 25 °C / 60 % (Magnus, Alduchov & Eskridge: b = 17.625, c = 243.04 °C):
    #   γ = ln 0.60 + 17.625 × 25 / 268.04 = 1.1331;  Td = 243.04 γ / (17.625 − γ) = 16.70 °C
    # Relative humidity of that air at 30 °C: 100 × exp(1.1331 − 17.625 × 30 / 273.04) = 44.8 %
    # NWS heat index at 86 °F, 44.8 % (Rothfusz): 86.5 °F = 30.3 °C, below the 32.2 °C flag;
    # with the archive's 60 % at 30 °C it would be 91.1 °F = 32.8 °C, above it.
    gamma = math.log(0.60) + 17.625 * 25 / (243.04 + 25)
    dew = 243.04 * gamma / (17.625 - gamma)
    assert dew == pytest.approx(16.70, abs=0.01)

    def mild(params):
        answer = archive_answer(params)
        n = len(answer["hourly"]["time"])
        answer["hourly"].update(temperature_2m=[25.0] * n, relative_humidity_2m=[60] * n,
                                dew_point_2m=[round(dew, 2)] * n)
        return answer

    monkeypatch.setenv("CRAMP_WEATHER_URL", httpserver.url_for("/v1/archive"))
    weather_archive._REACHABLE.clear()
    weather_archive._FAILURES.clear()
    StrictArchive(httpserver, mild)
    runs = {"tempe.fit": synthetic_run(dt.datetime(2024, 6, 15, 6, 0, tzinfo=UTC), 8.0, 330, seed=99,
                                       wrist_temperature_c=30.0, start_position_deg=MADRID, sensors=[TEMPE])}
    folder = write_athlete(tmp_path / "ana", {"timezone": "Europe/Madrid"}, runs,
                           [{"time": "2024-06-15T06:30:00+00:00", "leg": "left", "muscle": "calf"}])
    athlete = analyzer.load_athlete(folder)
    a = analyzer.analyze(athlete)
    row = a.runs.set_index("activity").loc["tempe.fit"]
    assert row["air_temperature_source"] == "sensor"
    assert row["air_temperature_c"] == pytest.approx(30.0, abs=0.2)
    assert row["relative_humidity_pct"] == pytest.approx(44.8, abs=0.6)
    # the sensor's readings scatter (±0.5 °C); where it reads 30.0 °C, the worked case exactly
    air = run_air(athlete, athlete.activities[0])
    at30 = air.frame[(air.frame["temperature_c"] - 30.0).abs() < 0.02]
    assert len(at30) > 10 and air.humidity_source.startswith("dew point from archive:open-meteo")
    assert at30["relative_humidity_pct"].to_numpy() == pytest.approx(44.8, abs=0.1)
    assert heat_index_c(at30["temperature_c"], at30["relative_humidity_pct"]) == pytest.approx(30.3, abs=0.05)
    assert a.cramps.iloc[0]["air_temperature_source"] == "sensor"


# Liljegren's own C code (pywbgt 3.0.7, ``liljegrenWBGT``: the wbgt.c of Liljegren et al. 2008 with
# NREL's solar position), run once by hand for Madrid (40.4168 N, 3.7038 W) on 2024-07-15 with
# hourly means ending at the stamp (avg = 60 min, so the sun at the hour's middle), 27.5 °C air,
# 12.0 °C dew point, 940 hPa, 3.0 m/s wind at 10 m, urban exponents, min_speed 0.13 m/s:
#   stamp (UTC)  solar in  cos zenith  solar used  direct fraction  WBGT °C
#   06:00 dawn     80      0.08391      80.0        0.7746           22.35
#   13:00 noon    900      0.94484     900.0        0.7736           24.93
#   19:00 dusk    250      0.20914     235.2 (cap)  0.9000           23.35
REFERENCE = {6: (80.0, 0.7746, 22.35), 13: (900.0, 0.7736, 24.93), 19: (250.0, 0.9000, 23.35)}


def madrid_july(params):
    """27.5 °C, dew point 12 °C, 940 hPa, 3 m/s, and the reference's radiation in its three hours."""
    answer = archive_answer(params)
    hours = pd.to_datetime(answer["hourly"]["time"], unit="s", utc=True)
    n = len(hours)
    # relative humidity of 27.5 °C air with a 12.0 °C dew point, Bolton 1980 (as MetPy gives the reference)
    rh = 100 * math.exp(17.67 * 12.0 / (12.0 + 243.5) - 17.67 * 27.5 / (27.5 + 243.5))
    sw = np.zeros(n)
    direct = np.zeros(n)
    for i, h in enumerate(hours):
        if h.hour in REFERENCE:
            sw[i], direct[i] = REFERENCE[h.hour][0], REFERENCE[h.hour][0] * REFERENCE[h.hour][1]
    answer["hourly"].update(temperature_2m=[27.5] * n, dew_point_2m=[12.0] * n, relative_humidity_2m=[rh] * n,
                            wind_speed_10m=[3.0] * n, surface_pressure=[940.0] * n, shortwave_radiation=sw.tolist(),
                            direct_radiation=direct.tolist())
    return answer


def test_wbgt_at_dawn_noon_and_dusk_matches_liljegrens_code(httpserver, monkeypatch, tmp_path):
    monkeypatch.setenv("CRAMP_WEATHER_URL", httpserver.url_for("/v1/archive"))
    weather_archive._REACHABLE.clear()
    weather_archive._FAILURES.clear()
    StrictArchive(httpserver, madrid_july)
    day = dt.datetime(2024, 7, 15, tzinfo=UTC)
    runs = {  # 8 km at 5:00 /km: 40 minutes inside each reference hour
        "dawn.fit": synthetic_run(day + dt.timedelta(hours=5, minutes=5), 8.0, 300, seed=1, start_position_deg=MADRID),
        "noon.fit": synthetic_run(day + dt.timedelta(hours=12, minutes=5), 8.0, 300, seed=2,
                                  start_position_deg=MADRID),
        "dusk.fit": synthetic_run(day + dt.timedelta(hours=18, minutes=5), 8.0, 300, seed=3,
                                  start_position_deg=MADRID),
    }
    folder = write_athlete(tmp_path / "ana", {"timezone": "Europe/Madrid"}, runs, [])
    a = analyzer.analyze(analyzer.load_athlete(folder))
    table = a.runs.set_index("activity")
    for name, stamp in (("dawn.fit", 6), ("noon.fit", 13), ("dusk.fit", 19)):
        assert table.loc[name, "wbgt_source"].startswith("Liljegren")
        assert table.loc[name, "wbgt_max_c"] == pytest.approx(REFERENCE[stamp][2], abs=0.05), name
    # the dawn run stays below the 23 °C WBGT flag (the instant's low sun with the hour's radiation gave up to 30.1 °C)
    assert table.loc["dawn.fit", "wbgt_max_c"] < 23.0
    assert "dawn.fit" not in set(a.flags.loc[a.flags["rule"] == "wbgt", "activity"])


def test_offline_errors_say_the_archive_is_unreachable_not_a_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("CRAMP_WEATHER_URL", "http://127.0.0.1:9/v1/archive")  # nothing listens there
    weather_archive._REACHABLE.clear()
    weather_archive._FAILURES.clear()
    team = tmp_path / "team"
    write_athlete(team / "ana", {"timezone": "Europe/Madrid"}, season(3), [])
    result = analyzer.run_report(team, tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache")
    errors = pd.read_csv(tmp_path / "out" / "errors.csv")
    (message,) = errors.loc[errors["location"] == "weather", "message"]
    assert "air temperature unknown for 3 runs" in message and "not reachable" in message
    assert "weather: cache" not in message and "setting" not in message
    assert result.exit_code == 1
    assert "Open-Meteo.com" not in (tmp_path / "out" / "ana" / "report.html").read_text(encoding="utf-8")  # none shown
    weather_archive._REACHABLE.clear()

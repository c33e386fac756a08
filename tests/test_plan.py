"""Before the run: a planned run against the conditions that came before the athlete's cramps.

A synthetic heat-cramper (Madrid, runs at 08:00 every third day from 3 June 2024, 10 km and 6 km in
turn at 5:30 min/km; three hot 10 km runs, each with a cramp and a weigh-in) is planned on a hot
and a cool day from a forecast CSV, and from a local stand-in forecast server speaking Open-Meteo's
documented format. Every expected number is worked out here by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from urllib.parse import parse_qs

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner
from werkzeug import Request, Response

import analyzer
from analyzer.cli import app
from analyzer.io import weather_archive
from analyzer.metrics.sun import cos_solar_zenith
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC
MADRID = (40.4168, -3.7038)
START = dt.datetime(2024, 6, 3, 6, 0, tzinfo=UTC)  # 08:00 in Madrid (UTC+2 in summer)
RUN_DAYS = list(range(0, 37, 3))  # 13 runs, days 0..36
HOT_DAYS = (12, 24, 30)  # all 10 km runs (even index), each with a cramp
PLAN_DAY = dt.date(2024, 6, 3) + dt.timedelta(days=39)  # 12 July 2024, a Friday
HOT_T, HOT_RH = 32.2222, 70  # 90 °F at 70 %: the NWS chart gives a heat index of 106 °F = 41.1 °C
COOL_T, COOL_RH = 16.0, 60

# weigh-ins on the three hot runs (each 10 km at 330 s/km: 3300 s elapsed = 0.91667 h):
# (60.0 − 58.6 + 0.3) / 0.91667 = 1.8545, (60.0 − 58.4 + 0.4) / 0.91667 = 2.1818,
# (60.0 − 58.7 + 0.2) / 0.91667 = 1.6364 L/h
WEIGH_INS = [(12, 58.6, 300), (24, 58.4, 400), (30, 58.7, 200)]


def _distance(k: int) -> float:
    return 10.0 if k % 2 == 0 else 6.0


def _heat_cramper(tmp_path, position=None):
    runs = {f"r{d:02d}.fit": synthetic_run(START + dt.timedelta(days=d), _distance(k), 330, seed=d,
                                           start_position_deg=position) for k, d in enumerate(RUN_DAYS)}
    weather = []
    for d in RUN_DAYS:
        day = dt.date(2024, 6, 3) + dt.timedelta(days=d)
        hot = d in HOT_DAYS
        for h in range(6, 12):
            weather.append({"time": f"{day.isoformat()} {h:02d}:00", "temperature_c": 34.0 if hot else 18.0,
                            "relative_humidity_pct": 50 if hot else 55})
    cramps = [{"time": (START + dt.timedelta(days=d, minutes=40)).isoformat(), "leg": "left", "muscle": "calf"}
              for d in HOT_DAYS]
    weigh = [{"activity": f"r{d:02d}.fit", "mass_before_kg": 60.0, "mass_after_kg": after, "fluid_ml": fluid}
             for d, after, fluid in WEIGH_INS]
    folder = write_athlete(tmp_path / "ana", {"name": "Ana", "timezone": "Europe/Madrid", "body_mass_kg": 61.0},
                           runs, cramps, weather, weigh)
    return folder


def _forecast_csv(path, hot_hours=range(9, 21), day=PLAN_DAY):
    lines = ["time,temperature_c,relative_humidity_pct"]
    for h in range(24):
        t, rh = (HOT_T, HOT_RH) if h in hot_hours else (COOL_T, COOL_RH)
        lines.append(f"{day.isoformat()} {h:02d}:00,{t},{rh}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _bom_wbgt(t_c, rh):
    """The Bureau of Meteorology's published approximation, written out here."""
    e = rh / 100 * 6.105 * math.exp(17.27 * t_c / (237.7 + t_c))
    return 0.567 * t_c + 0.393 * e + 3.94


@pytest.fixture
def athlete(tmp_path):
    return analyzer.load_athlete(_heat_cramper(tmp_path), weather="off")


def _met(plan):
    return dict(zip(plan.conditions["name"], plan.conditions["met"], strict=True))


def test_hot_afternoon_long_run_meets_heat_and_distance_and_gets_an_earlier_start(athlete, tmp_path):
    csv = _forecast_csv(tmp_path / "hot.csv")
    plan = analyzer.plan_run(athlete, date=PLAN_DAY, distance_km=15, start="13:00", pace="5:30", forecast=csv)
    met = _met(plan)
    # 15 km vs the longest run of the 30 days before (10 km): 1.5 ≥ 1.10
    assert met["long_run_spike"] is True
    spike = plan.conditions.set_index("name").loc["long_run_spike"]
    assert spike["value"] == pytest.approx(1.5)
    # no run of 11.25–18.75 km before: the pace comparison is unknown, never a guess
    assert met["faster_than_usual"] is None
    assert met["heat_index"] is True and met["wbgt"] is True
    cond = plan.conditions.set_index("name")
    assert cond.loc["heat_index", "value"] == pytest.approx(41.1, abs=0.1)  # NWS chart, 90 °F / 70 %
    assert cond.loc["wbgt", "value"] == pytest.approx(_bom_wbgt(HOT_T, HOT_RH), abs=0.01)  # 35.4 °C
    assert cond.loc["heat_index", "history"] == ("3 of your 3 cramp runs had heat index ≥ 32.2 °C; "
                                                 "0 of 10 runs without cramps did")
    # only day 30 (of the cramp runs) has 30 days of history before it; 10 km vs 10 km = 1.0
    assert cond.loc["long_run_spike", "history"].startswith("0 of your 1 cramp runs had distance ≥ 1.10 ×")
    # the run lasts 15 × 330 s = 82.5 min. Air is 16 °C up to 08:00 and 32.2 °C from 09:00 (linear
    # between). From 06:30 it ends 07:52.5, all at 16 °C / 60 % (WBGT 17.3 °C). From 07:00 it ends
    # at 08:22.5: 22.08 °C / 63.75 % there, WBGT 0.567·22.08 + 0.393·16.89 + 3.94 = 23.1 ≥ 23.
    # Every evening start ends by 21:00 and so crosses 20:00, still hot. Nearest cool start: 06:30.
    assert plan.best_start["start_local"] == "2024-07-12T06:30:00+02:00"
    assert "instead of 13:00" in plan.best_start["why"]
    assert _bom_wbgt(16 + 0.375 * (HOT_T - 16), 60 + 0.375 * 10) >= 23 > _bom_wbgt(COOL_T, COOL_RH)
    # the hourly outlook: 24 rows, hot exactly 09:00–20:00, the run over 13:00 and 14:00
    out = plan.outlook
    assert len(out) == 24
    hot = [r["time_local"][11:13] for r in out.to_dict("records") if r["heat_index_met"]]
    assert hot == [f"{h:02d}" for h in range(9, 21)]
    assert [r["time_local"][11:13] for r in out.to_dict("records") if r["in_planned_run"]] == ["13", "14"]


def test_the_same_run_on_a_cool_day_meets_only_distance(athlete, tmp_path):
    csv = _forecast_csv(tmp_path / "cool.csv", hot_hours=())
    plan = analyzer.plan_run(athlete, date=PLAN_DAY, distance_km=15, start="13:00", pace="5:30", forecast=csv)
    assert plan.met == ["long_run_spike"]
    assert _met(plan)["heat_index"] is False and _met(plan)["wbgt"] is False
    assert plan.best_start["start_local"] == "2024-07-12T13:00:00+02:00"
    assert plan.best_start["why"].startswith("your planned start already keeps")


def test_a_short_easy_run_meets_none(athlete, tmp_path):
    csv = _forecast_csv(tmp_path / "cool.csv", hot_hours=())
    plan = analyzer.plan_run(athlete, date=PLAN_DAY, distance_km=6, start="08:00", pace="6:00", forecast=csv)
    met = _met(plan)
    assert met == {"long_run_spike": False, "faster_than_usual": False, "heat_index": False, "wbgt": False}
    cond = plan.conditions.set_index("name")
    assert cond.loc["long_run_spike", "value"] == pytest.approx(0.6)  # 6 km ÷ 10 km
    # usual for 6 km: the 6 km runs of the 60 days before at 330 s/km; 330 / 360 = 0.917
    assert cond.loc["faster_than_usual", "value"] == pytest.approx(330 / 360, abs=0.005)


def test_default_pace_is_the_usual_pace_for_the_distance(athlete, tmp_path):
    csv = _forecast_csv(tmp_path / "cool.csv", hot_hours=())
    plan = analyzer.plan_run(athlete, date=PLAN_DAY, distance_km=10, start="08:00", forecast=csv)
    assert plan.pace_source == "your usual for this distance"
    assert plan.pace_s_per_km == pytest.approx(330, abs=1)  # the synthetic runs' 5:30 (±2 % noise averages out)


def test_offline_auto_assesses_distance_and_pace_and_says_heat_is_unknown(athlete):
    weather_archive._REACHABLE.clear()
    plan = analyzer.plan_run(athlete, date=PLAN_DAY, distance_km=15, start="13:00", pace="5:30",
                             where="40.42,-3.70", forecast="auto", forecast_url="http://127.0.0.1:9/v1/forecast",
                             today=PLAN_DAY - dt.timedelta(days=2))
    met = _met(plan)
    assert met["long_run_spike"] is True and met["faster_than_usual"] is None
    assert met["heat_index"] is None and met["wbgt"] is None
    assert plan.best_start is None and plan.outlook.empty
    assert plan.forecast_source == "unavailable"
    assert any("not reachable (offline?)" in n and "heat conditions are unknown" in n for n in plan.notes)
    d = plan.to_dict()
    assert d["conditions"][2]["value"] is None and d["conditions"][2]["met"] is None and d["best_start"] is None


def test_acclimatisation_counted_by_hand(athlete, tmp_path):
    from analyzer.plan import acclimatisation

    a = analyzer.analyze(athlete)
    # plan on day 39: the 14 days before are days 25–38, with runs on days 27, 30, 33, 36; day 30 was hot
    acc = acclimatisation(a.runs, PLAN_DAY, a.thresholds)
    assert (acc["runs"], acc["hot_runs"], acc["unknown_runs"]) == (4, 1, 0)
    assert acc["last_hot_date"] == "2024-07-03"
    # plan on day 58: days 44–57 hold no run; the last hot run (day 30) was 28 days before
    later = dt.date(2024, 6, 3) + dt.timedelta(days=58)
    acc = acclimatisation(a.runs, later, a.thresholds)
    assert (acc["runs"], acc["hot_runs"]) == (0, 0)
    assert "your last hot run was on 2024-07-03, 28 days (4 weeks) before" in acc["text"]
    plan = analyzer.plan_run(a, date=later, distance_km=8, start="13:00", pace="5:30",
                             forecast=_forecast_csv(tmp_path / "hot.csv", day=later))
    assert plan.acclimatisation["hot_runs"] == 0
    assert "first hot run after 4 cooler weeks" in plan.acclimatisation["text"]
    assert "Périard et al. 2015" in plan.acclimatisation["text"] and "Daanen et al. 2018" in plan.acclimatisation["text"]


def test_sweat_range_from_known_weigh_ins(athlete, tmp_path):
    csv = _forecast_csv(tmp_path / "hot.csv")
    plan = analyzer.plan_run(athlete, date=PLAN_DAY, distance_km=15, start="13:00", pace="5:30", forecast=csv)
    f = plan.fluid
    # the three weigh-in runs had 34 °C air, within 5 °C of the forecast's 32.2 °C
    assert f["weigh_ins"] == 3 and f["similar_air"] is True
    assert f["sweat_rate_l_per_h"] == (pytest.approx(1.5 / (3300 / 3600), abs=0.005),
                                       pytest.approx(2.0 / (3300 / 3600), abs=0.005))
    # 82.5 min = 1.375 h: 1.6364 × 1.375 = 2.25 L, 2.1818 × 1.375 = 3.00 L
    assert f["sweat_loss_l"] == (pytest.approx(2.25, abs=0.01), pytest.approx(3.0, abs=0.01))
    # under 2 % of the last weigh-in's 60.0 kg = 1.2 kg: drink 1.05–1.80 L
    assert f["drink_l"] == (pytest.approx(1.05, abs=0.01), pytest.approx(1.8, abs=0.01))
    assert "Almond et al. 2005" in f["text"] and f["text"] in plan.notes


def test_no_weigh_ins_no_fluid(tmp_path):
    folder = write_athlete(tmp_path / "kai", {"timezone": "Europe/Madrid"},
                           {f"r{d}.fit": synthetic_run(START + dt.timedelta(days=d), 8, 330, seed=d) for d in (0, 3)})
    plan = analyzer.plan_run(analyzer.load_athlete(folder, weather="off"), date="2024-06-10", distance_km=8,
                             forecast="off")
    assert plan.fluid is None and not any(n.startswith("Fluid") for n in plan.notes)
    assert plan.forecast_source == "off"


# ---------------------------------------------------------------- the stand-in forecast server

def forecast_answer(params: dict[str, str]) -> dict:
    """Hourly forecast as Open-Meteo documents it (timeformat=unixtime, wind in m/s): 90 °F and 70 %
    from 08:00 to 18:00 UTC (10:00–20:00 in Madrid), 16 °C and 60 % otherwise; clear-sky sun."""
    first = dt.date.fromisoformat(params["start_date"])
    last = dt.date.fromisoformat(params["end_date"])
    hours = pd.date_range(pd.Timestamp(first, tz="UTC"), pd.Timestamp(last, tz="UTC") + pd.Timedelta(hours=23), freq="h")
    hot = (hours.hour >= 8) & (hours.hour <= 18)
    lat, lon = float(params["latitude"]), float(params["longitude"])
    shortwave = 750.0 * np.clip(cos_solar_zenith(hours - pd.Timedelta(minutes=30), lat, lon), 0, None)
    return {
        "latitude": lat, "longitude": lon, "generationtime_ms": 0.5, "utc_offset_seconds": 0, "timezone": "GMT",
        "timezone_abbreviation": "GMT", "elevation": 650.0,
        "hourly_units": {"time": "unixtime", "temperature_2m": "°C", "relative_humidity_2m": "%",
                         "dew_point_2m": "°C", "wind_speed_10m": "m/s", "shortwave_radiation": "W/m²",
                         "direct_radiation": "W/m²", "surface_pressure": "hPa"},
        "hourly": {
            "time": [int(h.timestamp()) for h in hours],
            "temperature_2m": np.where(hot, HOT_T, COOL_T).tolist(),
            "relative_humidity_2m": np.where(hot, HOT_RH, COOL_RH).tolist(),
            "dew_point_2m": np.where(hot, 26.2, 8.3).tolist(),
            "wind_speed_10m": [1.5] * len(hours),
            "shortwave_radiation": shortwave.round(1).tolist(),
            "direct_radiation": (0.8 * shortwave).round(1).tolist(),
            "surface_pressure": [940.0] * len(hours),
        },
    }


@pytest.fixture
def forecast_server(httpserver):
    queries: list[dict[str, str]] = []

    def handle(request: Request) -> Response:
        query = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        queries.append(query)
        return Response(json.dumps(forecast_answer(query)), content_type="application/json")

    httpserver.expect_request("/v1/forecast").respond_with_handler(handle)
    weather_archive._REACHABLE.clear()
    yield httpserver.url_for("/v1/forecast"), queries
    weather_archive._REACHABLE.clear()


def test_auto_forecast_from_a_stand_in_server(tmp_path, forecast_server):
    url, queries = forecast_server
    athlete = analyzer.load_athlete(_heat_cramper(tmp_path, position=MADRID), weather="off")
    plan = analyzer.plan_run(athlete, date=PLAN_DAY, distance_km=15, start="13:00", pace="5:30", forecast="auto",
                             forecast_url=url, today=PLAN_DAY - dt.timedelta(days=2))
    # only the rounded cell, two dates, the variable names and units were sent
    assert len(queries) == 1
    q = queries[0]
    assert set(q) == {"latitude", "longitude", "start_date", "end_date", "hourly", "wind_speed_unit", "timezone",
                      "timeformat"}
    assert (q["latitude"], q["longitude"]) == ("40.4", "-3.7")
    assert (q["start_date"], q["end_date"]) == ("2024-07-11", "2024-07-13")
    assert plan.forecast_source == "forecast:open-meteo (40.4°N 3.7°W)"
    assert any(n.startswith("Where: the start of your most recent outdoor run (r36.fit, 2024-07-09)")
               for n in plan.notes)
    met = _met(plan)
    assert met["long_run_spike"] is True and met["heat_index"] is True
    cond = plan.conditions.set_index("name")
    assert cond.loc["heat_index", "value"] == pytest.approx(41.1, abs=0.1)
    # hot from 10:00 local (16 °C at 09:00, linear between): a run from 08:00 ends at 09:22.5 in
    # 22.1 °C / 63.75 % air (heat index 22 °C); from 08:30 it would end at 09:52.5 in 30.3 °C / 68.75 %
    # air, hot by any WBGT. Starts before about 07:00 are before sunrise (Madrid, 12 July: ~06:58).
    best = pd.Timestamp(plan.best_start["start_local"])
    assert pd.Timestamp("2024-07-12T07:00:00+02:00") <= best <= pd.Timestamp("2024-07-12T08:30:00+02:00")
    assert cos_solar_zenith(best.tz_convert("UTC"), *MADRID)[0] > 0
    assert plan.outlook["wbgt_source"].iloc[0] == "Liljegren model (forecast sun and wind)"
    daylight = dict(zip(plan.outlook["time_local"].str[11:13], plan.outlook["daylight"], strict=True))
    assert not daylight["03"] and daylight["13"] and not daylight["23"]


def test_too_far_ahead_sends_nothing(athlete, forecast_server):
    url, queries = forecast_server
    plan = analyzer.plan_run(athlete, date=PLAN_DAY, distance_km=8, where=MADRID, forecast="auto", forecast_url=url,
                             today=PLAN_DAY - dt.timedelta(days=30))
    assert queries == [] and _met(plan)["heat_index"] is None
    assert any("only 16 days ahead" in n for n in plan.notes)


# ---------------------------------------------------------------- the command line

def test_cli_json_contract_and_text(tmp_path):
    folder = _heat_cramper(tmp_path)
    csv = _forecast_csv(tmp_path / "hot.csv")
    runner = CliRunner()
    args = ["plan", str(folder), "--date", PLAN_DAY.isoformat(), "--distance-km", "15", "--start", "13:00",
            "--pace", "5:30", "--forecast", str(csv), "--weather", "off"]
    done = runner.invoke(app, [*args, "--format", "json"])
    assert done.exit_code == 0, done.output
    d = json.loads(done.stdout)
    assert list(d) == ["athlete", "date", "start_local", "distance_km", "pace_s_per_km", "forecast_source",
                       "conditions", "best_start", "notes"]
    assert [list(c) for c in d["conditions"]] == [["name", "pattern", "value", "threshold", "unit", "met", "history",
                                                  "source"]] * 4
    assert (d["athlete"], d["date"], d["start_local"], d["distance_km"], d["pace_s_per_km"]) == \
        ("ana", "2024-07-12", "2024-07-12T13:00:00+02:00", 15.0, 330.0)
    assert set(d["best_start"]) == {"start_local", "why"}
    text = runner.invoke(app, [*args, "--format", "text"])
    assert text.exit_code == 0
    assert "Best start: 06:30" in text.stdout and "conditions that came before your cramps" in text.stdout.lower()
    page = runner.invoke(app, [*args, "--format", "html"]).stdout
    for word in ("nan", "NaT", "None", "null", "undefined", "inf"):
        assert f">{word}<" not in page and f" {word} " not in text.stdout
    assert "you will cramp" not in (text.stdout + page).lower()
    bad = runner.invoke(app, ["plan", str(folder), "--date", "12/07/2024", "--distance-km", "15"])
    assert bad.exit_code == 2 and "not a date" in bad.stderr
    missing = runner.invoke(app, [*args[:-4], "--forecast", str(tmp_path / "nope.csv"), "--weather", "off"])
    assert missing.exit_code == 2 and "forecast file not found" in missing.stderr


def test_other_patterns_are_reminders_never_predictions():
    from tests.conftest import REPO

    george = analyzer.load_athlete(REPO / "sample_data" / "george_night", weather="off")
    plan = analyzer.plan_run(george, date="2024-11-20", distance_km=8, forecast="off")
    reminders = [n for n in plan.notes if n.startswith("Reminder (your history, not a prediction)")]
    # the sample's night cramps (4 at rest at night) and its two listed medicines
    assert len(reminders) == 3
    assert "4 of your cramps came at rest at night" in reminders[0]
    assert "furosemide" in reminders[1] and "atorvastatin" in reminders[2]
    # no cramp came with a run: nothing to line up, said so
    assert plan.notes[0].startswith("No cramp of yours came during or just after a run")
    assert all("you will cramp" not in n.lower() for n in plan.notes)


def test_a_bad_forecast_row_is_a_note_naming_file_and_row(athlete, tmp_path):
    csv = _forecast_csv(tmp_path / "hot.csv")
    lines = csv.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(str(COOL_T), "warm")  # row 3 of the file (02:00)
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = analyzer.plan_run(athlete, date=PLAN_DAY, distance_km=15, start="13:00", pace="5:30", forecast=csv)
    bad = [n for n in plan.notes if n.startswith("Forecast file problem")]
    assert len(bad) == 1 and "hot.csv" in bad[0] and "row 3" in bad[0]
    assert _met(plan)["heat_index"] is True  # the other rows are used
    # 02:00 is interpolated between 01:00 and 03:00 (2 h apart, as for weather.csv): 16 °C
    row = plan.outlook[plan.outlook["time_local"].str[11:13] == "02"].iloc[0]
    assert row["temperature_c"] == pytest.approx(COOL_T)


def test_a_forecast_file_with_wbgt_only_for_some_hours_estimates_the_others_and_says_so(athlete, tmp_path):
    # measured WBGT up to 14:00 only; the 13:00–14:22 run ends in hours without one
    csv = _forecast_csv(tmp_path / "hot.csv")
    lines = csv.read_text(encoding="utf-8").splitlines()
    rows = [lines[0] + ",wbgt_c"] + [f"{line},{'18.0' if int(line[11:13]) <= 14 else ''}" for line in lines[1:]]
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    plan = analyzer.plan_run(athlete, date=PLAN_DAY, distance_km=15, start="13:00", pace="5:30", forecast=csv)
    cond = plan.conditions.set_index("name")
    # 18 °C measured to 14:00, then the BoM estimate (35.4 °C): the maximum is never nan, and met
    assert cond.loc["wbgt", "value"] == pytest.approx(_bom_wbgt(HOT_T, HOT_RH), abs=0.01)
    assert bool(cond.loc["wbgt", "met"])
    assert "nan" not in plan.to_text()
    assert "measured (forecast file); estimated (BoM" in " ".join(str(v) for v in cond.loc["wbgt"].to_numpy())


def test_the_planned_run_in_the_dark_is_said_with_or_without_a_forecast():
    """Madrid (40.42 N, 3.70 W) on 14 July 2024: sunrise about 06:57 and sunset about 21:45 CEST (worked
    with the sunrise equation, 0.833° of refraction); every case below is 25 minutes or more from either."""
    from tests.conftest import REPO

    maria = analyzer.load_athlete(REPO / "sample_data" / "maria_hot", weather="off")

    def daylight(start, where="40.42,-3.70"):
        plan = analyzer.plan_run(maria, date="2024-07-14", distance_km=16, start=start, pace="5:45", where=where,
                                 forecast="off")  # 16 km at 5:45 = 92 min
        said = [n for n in plan.notes if n.startswith("Daylight")]
        assert said == [n for n in plan.other_notes if n.startswith("Daylight")]  # the page shows it once
        return said

    assert daylight("05:00") == ["Daylight: the planned run (05:00–06:32) starts and ends in the dark at the "
                                 "position given (the sun below the horizon)."]
    assert daylight("06:30") == ["Daylight: the planned run (06:30–08:02) starts in the dark at the position given "
                                 "(the sun below the horizon)."]
    assert daylight("21:00") == ["Daylight: the planned run (21:00–22:32) ends in the dark at the position given "
                                 "(the sun below the horizon)."]
    assert daylight("12:00") == []  # in daylight: nothing to say
    # María's sample runs have no GPS: without --where there is no position, and the plan says so
    assert daylight("05:00", where=None) == ["Daylight: not checked for the planned run (no position: no outdoor "
                                             "run with GPS, and no --where given)."]


def test_a_heat_index_under_the_nws_chart_is_said_as_such_with_the_air():
    """The cool Madrid forecast: 13:00 22.5 °C at 44 %, 14:00 23.3 °C at 42 %, 15:00 23.8 °C. The heat index
    by the simple formula (23.3 °C = 73.9 °F at 42 %: 0.5 × (73.9 + 61 + 7.1 + 3.9) = 73.0 °F = 22.8 °C) is
    under the chart's 80 °F, so no number is given as a heat index; the air over 13:00–14:32 is (from 23.3
    to 23.8 °C, the run ending a little past 14:30)."""
    import re

    from tests.conftest import REPO

    maria = analyzer.load_athlete(REPO / "sample_data" / "maria_hot", weather="off")
    plan = analyzer.plan_run(maria, date="2024-07-14", distance_km=16, start="13:00", pace="5:45",
                             forecast=REPO / "sample_data" / "forecasts" / "madrid_2024-07-14_cool.csv")
    detail = str(plan.conditions.set_index("name").loc["heat_index", "detail"])
    m = re.fullmatch(r"forecast heat index under the NWS chart \(below 26\.7 °C\) over 13:00–14:32, air up to "
                     r"(\d+\.\d) °C \(the condition starts at 32\.2 °C\)", detail)
    assert m and 23.3 <= float(m.group(1)) <= 23.8, detail
    assert "under the NWS chart (below 26.7 °C)" in plan.best_start["why"]

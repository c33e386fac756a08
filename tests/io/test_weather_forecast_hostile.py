"""The forecast service is a stranger too (issue 24's "Before the run", left over from issues 21
and 22): it is asked through the archive's protected request and checks, and credited as a
forecast, never as the ERA5 reanalysis. Each case against a local stand-in server speaking
Open-Meteo's documented format; nothing here touches the internet."""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import threading

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from analyzer.io import weather_archive
from analyzer.weather import client as weather_client
from analyzer.weather import forecast as weather_forecast
from analyzer.weather.forecast import fetch_forecast
from tests.io.stand_in import in_fahrenheit, json_answer, query, trickling
from tests.test_plan import MADRID, forecast_answer

DAY = dt.date(2024, 7, 12)
TODAY = DAY - dt.timedelta(days=2)


answer = functools.partial(json_answer, forecast_answer)
"""The stand-in forecast's answer to a request."""


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    monkeypatch.setattr(weather_client, "RETRY_WAIT_S", (0.01, 0.02))
    monkeypatch.delenv("CRAMP_FORECAST_URL", raising=False)
    weather_archive._REACHABLE.clear()
    yield
    weather_archive._REACHABLE.clear()


def ask(url: str):
    return fetch_forecast(*MADRID, DAY, url=url, today=TODAY)


def test_credited_as_a_forecast_not_as_the_reanalysis(httpserver):
    httpserver.expect_request("/v1/forecast").respond_with_handler(answer)
    got = ask(httpserver.url_for("/v1/forecast"))
    assert got.hours is not None and got.why_not == ""
    assert "models" not in query(httpserver.log[0][0])  # the service's own best match
    assert weather_forecast.OpenMeteoForecast.model == "best_match"
    assert "Open-Meteo.com" in got.attribution
    for reanalysis in ("ERA5", "Copernicus", "reanalys"):
        assert reanalysis not in got.attribution
        assert reanalysis not in weather_forecast.OpenMeteoForecast.model_label
    # 90 °F in the stand-in's hot hours (08:00-18:00 UTC) is 32.2 °C
    assert got.hours.loc["2024-07-12 12:00+00:00", "temperature_c"] == pytest.approx((90 - 32) * 5 / 9, abs=1e-3)


def test_a_trickling_server_costs_one_deadline(httpserver, monkeypatch):
    monkeypatch.setattr(weather_client, "REQUEST_DEADLINE_S", 1.0)
    stop, gone = threading.Event(), threading.Event()
    sent = []

    httpserver.expect_request("/v1/forecast").respond_with_handler(trickling(stop, gone, sent))
    try:
        got = ask(httpserver.url_for("/v1/forecast"))
        hung_up = gone.wait(10)
    finally:
        stop.set()
    assert got.hours is None
    assert got.why_not == ("the weather forecast at localhost gave no complete answer within 1 s (too slow); "
                           "nothing more was asked")
    assert hung_up and len(sent) < 500
    assert len(httpserver.log) == 1


def test_past_the_forecast_budget_nothing_more_is_asked(httpserver, monkeypatch):
    # a 503 answers at once; the first wait before asking again (3 s) outlasts the whole budget (2 s)
    monkeypatch.setattr(weather_forecast, "FORECAST_BUDGET_S", 2.0)
    monkeypatch.setattr(weather_client, "RETRY_WAIT_S", (3.0, 3.0))
    httpserver.expect_request("/v1/forecast").respond_with_data("busy", status=503)
    got = ask(httpserver.url_for("/v1/forecast"))
    assert got.hours is None
    assert got.why_not == "the weather forecast took the forecast's whole time budget (2 s); nothing more was asked"
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("change,words", [
    (lambda a: a["hourly"].update(temperature_2m=[75.0] * len(a["hourly"]["time"])),
     "air temperature of 75 °C at 2024-07-11 00:00 UTC is outside what is physically possible (-90 to 60)"),
    (lambda a: a["hourly"].update(relative_humidity_2m=[170] * len(a["hourly"]["time"])),
     "relative humidity of 170 % at 2024-07-11 00:00 UTC is outside what is physically possible (0 to 100)"),
    (lambda a: a["hourly_units"].update(temperature_2m="K"), "it gives air temperature in 'K'; expected °C or °F"),
    (lambda a: a.update(latitude=48.85, longitude=2.35), "it is for a place"),
    (lambda a: a["hourly"].update(time=[t + 30 * 86400 for t in a["hourly"]["time"]]),
     "it gives hours outside the days asked for (2024-07-11 to 2024-07-13)"),
])
def test_an_absurd_answer_is_refused_in_words(httpserver, change, words):
    httpserver.expect_request("/v1/forecast").respond_with_handler(lambda r: answer(r, change))
    got = ask(httpserver.url_for("/v1/forecast"))
    assert got.hours is None and got.attribution == ""
    assert got.why_not.startswith("the weather forecast's answer was refused: ")
    assert words in got.why_not


def test_a_forecast_in_fahrenheit_is_read_as_fahrenheit(httpserver):
    httpserver.expect_request("/v1/forecast").respond_with_handler(lambda r: answer(r, in_fahrenheit))
    got = ask(httpserver.url_for("/v1/forecast"))
    hours = got.hours
    assert hours.loc["2024-07-12 03:00+00:00", "temperature_c"] == pytest.approx(16.0, abs=1e-3)  # not 60.8 °C
    assert hours.loc["2024-07-12 03:00+00:00", "dew_point_c"] == pytest.approx(8.3, abs=1e-3)
    assert hours.loc["2024-07-12 12:00+00:00", "temperature_c"] == pytest.approx(32.2222, abs=1e-3)


def test_redirects_to_another_host_are_never_followed(httpserver):
    other = HTTPServer(host="127.0.0.2", port=0)
    other.expect_request("/v1/forecast").respond_with_handler(answer)
    other.start()
    try:
        away = f"http://127.0.0.2:{other.port}/v1/forecast"
        httpserver.expect_request("/away").respond_with_handler(
            lambda r: Response(status=302, headers={"Location": f"{away}?{r.query_string.decode()}"}))
        got = ask(httpserver.url_for("/away"))
        assert got.hours is None
        assert got.why_not == ("the weather forecast at localhost redirected the request to another address "
                               "(127.0.0.2); not followed, so nothing was sent there")
        assert other.log == []  # the other host received nothing
        # within the same host: followed
        httpserver.expect_request("/moved").respond_with_handler(
            lambda r: Response(status=301, headers={"Location": f"/v1/forecast?{r.query_string.decode()}"}))
        httpserver.expect_request("/v1/forecast").respond_with_handler(answer)
        assert ask(httpserver.url_for("/moved")).hours is not None
    finally:
        other.clear()
        other.stop()


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "ftp://mirror.example/v1/forecast",
                                 "forecast.example/v1", "http:///v1/forecast", "https://user:pw@forecast.example/"])
def test_only_http_and_https_addresses_are_used(url, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("nothing may be sent")

    monkeypatch.setattr(weather_forecast, "reachable", never)
    monkeypatch.setattr(weather_forecast, "protected_get", never)
    with pytest.raises(ValueError, match="^the weather forecast address ") as caught:
        ask(url)  # a setting to correct, as the archive's address: refused before anything is sent
    assert "Traceback" not in str(caught.value)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://mirror.example/v1/forecast", "http:///v1/forecast"])
def test_a_bad_forecast_address_exits_2_with_one_line_like_the_archives(url, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from analyzer.cli import app
    from tests.test_plan import PLAN_DAY, _heat_cramper

    def never(*args, **kwargs):
        raise AssertionError("nothing may be sent")

    monkeypatch.setattr(weather_forecast, "reachable", never)
    monkeypatch.setattr(weather_forecast, "protected_get", never)
    monkeypatch.setenv("CRAMP_FORECAST_URL", url)
    folder = _heat_cramper(tmp_path, position=MADRID)
    cli = CliRunner().invoke(app, ["plan", str(folder), "--date", PLAN_DAY.isoformat(), "--distance-km", "15",
                                   "--weather", "off"])
    assert cli.exit_code == 2
    lines = [line for line in cli.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: the weather forecast address ")
    assert "Traceback" not in cli.output and "None" not in cli.output


def test_a_gzip_bomb_is_refused(httpserver, monkeypatch):
    monkeypatch.setattr(weather_client, "MAX_ANSWER_BYTES", 1024 * 1024)
    bomb = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)
    httpserver.expect_request("/v1/forecast").respond_with_data(
        bomb, headers={"Content-Encoding": "gzip"}, content_type="application/json")
    got = ask(httpserver.url_for("/v1/forecast"))
    assert got.hours is None
    assert got.why_not == "the weather forecast's answer was refused: it is larger than 1 MB once decompressed"


def test_the_plan_credits_the_forecast(httpserver, tmp_path):
    import analyzer
    from tests.test_plan import PLAN_DAY, _heat_cramper

    httpserver.expect_request("/v1/forecast").respond_with_handler(answer)
    athlete = analyzer.load_athlete(_heat_cramper(tmp_path, position=MADRID), weather="off")
    plan = analyzer.plan_run(athlete, date=PLAN_DAY, distance_km=15, start="13:00", pace="5:30", forecast="auto",
                             forecast_url=httpserver.url_for("/v1/forecast"), today=PLAN_DAY - dt.timedelta(days=2))
    credit = [n for n in plan.notes if n.startswith("Forecast data: ")]
    assert credit == ["Forecast data: Weather forecast by Open-Meteo.com (best match of national weather services' "
                      "models), open-meteo.com; licence CC BY 4.0."]
    assert "Copernicus" not in plan.to_text()

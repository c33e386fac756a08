"""The weather archive is a stranger (issue 22 §2): a server that trickles, answers absurd values,
answers in °F, redirects to another host, is given a bad scheme, or sends a gzip bomb. Each case
against a local server, with small deadlines set through the module's settings so every test is
quick; nothing here touches the internet."""

from __future__ import annotations

import functools
import gzip
import json
import threading
import time

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request, Response

import analyzer
from analyzer.cli import app
from analyzer.io import weather_archive
from analyzer.testing.synthetic import write_athlete
from analyzer.weather import archive as archive_module
from analyzer.weather import client as weather_client
from tests.io.stand_in import in_fahrenheit, json_answer, query, trickling
from tests.io.test_weather_archive import MADRID, archive_answer, season

answer_json = functools.partial(json_answer, archive_answer)
"""The stand-in archive's answer to a request."""


@pytest.fixture(autouse=True)
def clean(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setattr(weather_client, "RETRY_WAIT_S", (0.01, 0.02))
    weather_archive._REACHABLE.clear()
    weather_archive._FAILURES.clear()
    yield
    weather_archive._REACHABLE.clear()
    weather_archive._FAILURES.clear()


@pytest.fixture
def served(httpserver, monkeypatch):
    """The stand-in's address as the archive's; tests give it their handler."""
    monkeypatch.setenv("CRAMP_WEATHER_URL", httpserver.url_for("/v1/archive"))
    return httpserver


def one_athlete(tmp_path, n=4, position=MADRID):
    return write_athlete(tmp_path / "team" / "ana", {"timezone": "Europe/Madrid"}, season(n, position=position), [])


def report(tmp_path, **kw):
    return analyzer.run_report(tmp_path / "team", tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache", **kw)


def weather_lines(result):
    return [p.message for p in result.problems if p.location == "weather"]


def cached_days(tmp_path):
    return list((tmp_path / "cache").glob("weather/**/*.json"))


def no_raw_text(lines):
    for line in lines:
        for raw in ("Error", "Exception", "Length of values", "Traceback", "None", "nan"):
            assert raw not in line, line


def test_a_trickling_server_costs_one_deadline_and_the_report_is_written(served, tmp_path, monkeypatch):
    monkeypatch.setattr(weather_client, "REQUEST_DEADLINE_S", 1.0)
    stop, gone = threading.Event(), threading.Event()
    sent = []

    served.expect_request("/v1/archive").respond_with_handler(trickling(stop, gone, sent))
    team = tmp_path / "team"
    for k in range(2):
        write_athlete(team / f"a{k}", {"timezone": "Europe/Madrid"}, season(3), [])
    try:
        result = report(tmp_path)
        hung_up = gone.wait(10)  # the abandoned connection was shut, not left trickling
    finally:
        stop.set()
    assert hung_up and len(sent) < 500  # hung up long before the server's 1000 bytes (200 s) were sent
    assert result.athletes == 2 and (tmp_path / "out" / "index.html").exists()
    lines = weather_lines(result)
    assert len(lines) == 2  # one line per athlete; the archive was asked once, then not again
    assert all("gave no complete answer within 1 s" in line for line in lines)
    assert len(served.log) == 1
    no_raw_text(lines)


def test_past_the_weather_budget_nothing_more_is_asked_and_the_report_is_written(served, tmp_path, monkeypatch):
    monkeypatch.setattr(archive_module, "WEATHER_BUDGET_S", 1.0)

    def slow(request: Request) -> Response:
        time.sleep(0.4)  # each answer takes at least 0.4 s: five cells cannot all fit in 1 s
        return answer_json(request)

    served.expect_request("/v1/archive").respond_with_handler(slow)
    for k in range(5):  # five athletes in five different grid cells
        write_athlete(tmp_path / "team" / f"a{k}", {"timezone": "Europe/Madrid"},
                      season(2, position=(MADRID[0] + 0.3 * k, MADRID[1])), [])
    result = report(tmp_path)
    assert result.athletes == 5 and (tmp_path / "out" / "index.html").exists()
    lines = weather_lines(result)
    # answers take ≥ 0.4 s each, so at most two complete within 1 s: at least three athletes are
    # past the budget, each with one line saying so (however slow the machine)
    assert len(served.log) <= 3
    assert len(lines) >= 3 and all("weather budget (1 s)" in line for line in lines)
    who = [p.athlete for p in result.problems if p.location == "weather"]
    assert len(set(who)) == len(who)  # one line per athlete, never one per run or per try
    no_raw_text(lines)


@pytest.mark.parametrize("change,words", [
    (lambda a: a["hourly"].update(temperature_2m=[75.0] * len(a["hourly"]["time"])),
     "air temperature of 75 °C at 2024-06-03 00:00 UTC is outside what is physically possible (-90 to 60)"),
    (lambda a: a["hourly"].update(relative_humidity_2m=[-20] * len(a["hourly"]["time"])),
     "relative humidity of -20 % at 2024-06-03 00:00 UTC is outside what is physically possible (0 to 100)"),
    (lambda a: a["hourly_units"].update(temperature_2m="K"), "it gives air temperature in 'K'; expected °C or °F"),
    (lambda a: a["hourly_units"].pop("temperature_2m"), "it gives air temperature without saying its unit"),
    (lambda a: a["hourly"].update(temperature_2m=a["hourly"]["temperature_2m"][:50]),
     "it gives 50 values of air temperature for 240 hours"),
    (lambda a: a.update(latitude=48.85, longitude=2.35), "it is for a place"),
    (lambda a: a["hourly"].update(dew_point_2m=[30.0] * len(a["hourly"]["time"])),  # air 16 °C: dew cannot be 30
     "its dew point is above the air temperature in 240 hours"),
    (lambda a: a["hourly"].update(direct_radiation=[v + 10 for v in a["hourly"]["shortwave_radiation"]]),
     "its direct solar radiation exceeds the total in 240 hours"),
])
def test_an_absurd_answer_is_refused_in_words_and_never_cached(served, tmp_path, change, words):
    served.expect_request("/v1/archive").respond_with_handler(lambda r: answer_json(r, change))
    one_athlete(tmp_path)
    result = report(tmp_path)
    (line,) = weather_lines(result)
    assert "air temperature unknown for 4 runs: the weather archive's answer was refused: " in line
    assert words in line
    assert cached_days(tmp_path) == []
    no_raw_text([line])
    rows = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert rows.loc[0, "athlete"] == "ana"


def test_a_mirror_in_fahrenheit_is_read_as_fahrenheit(served, tmp_path):
    served.expect_request("/v1/archive").respond_with_handler(lambda r: answer_json(r, in_fahrenheit))
    folder = one_athlete(tmp_path)
    a = analyzer.analyze(analyzer.load_athlete(folder))
    assert a.runs["air_temperature_c"].to_numpy() == pytest.approx([16.0] * 4)  # not 60.8 °C


def test_redirects_within_the_host_are_followed_and_to_another_host_never(served, tmp_path, monkeypatch):
    other = HTTPServer(host="127.0.0.2", port=0)
    other.expect_request("/v1/archive").respond_with_handler(answer_json)
    other.start()
    try:
        served.expect_request("/moved/v1/archive").respond_with_handler(
            lambda r: Response(status=301, headers={"Location": f"/v1/archive?{r.query_string.decode()}"}))
        served.expect_request("/v1/archive").respond_with_handler(answer_json)
        monkeypatch.setenv("CRAMP_WEATHER_URL", served.url_for("/moved/v1/archive"))
        folder = one_athlete(tmp_path)
        a = analyzer.analyze(analyzer.load_athlete(folder))
        assert a.runs["air_temperature_c"].notna().all()  # same host: followed

        away = f"http://127.0.0.2:{other.port}/v1/archive"
        served.expect_request("/away/v1/archive").respond_with_handler(
            lambda r: Response(status=302, headers={"Location": f"{away}?{r.query_string.decode()}"}))
        monkeypatch.setenv("CRAMP_WEATHER_URL", served.url_for("/away/v1/archive"))
        weather_archive._FAILURES.clear()
        write_athlete(tmp_path / "team2" / "eva", {"timezone": "Europe/Madrid"},
                      season(3, position=(37.3891, -5.9845)), [])
        result = analyzer.run_report(tmp_path / "team2", tmp_path / "out2", jobs=1, cache_dir=tmp_path / "cache")
        (line,) = weather_lines(result)
        assert "redirected the request to another address (127.0.0.2); not followed, so nothing was sent there" in line
        assert other.log == []  # the other host received nothing: no grid cell, no dates
    finally:
        other.clear()
        other.stop()


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "ftp://mirror.example/v1/archive",
                                 "archive.example/v1", "http:///v1/archive"])
def test_only_http_and_https_addresses_are_used(tmp_path, url, monkeypatch):
    one_athlete(tmp_path)
    result = report(tmp_path, weather_url=url)
    assert result.exit_code == 2 and len(result.problems) == 1
    assert result.problems[0].message.startswith("the weather archive address ")
    assert not (tmp_path / "out" / "index.html").exists()
    # the command line: exit 2 and one line, also when the address comes from the environment
    monkeypatch.setenv("CRAMP_WEATHER_URL", url)
    cli = CliRunner().invoke(app, ["report", str(tmp_path / "team"), "--out", str(tmp_path / "out3"), "-q"])
    assert cli.exit_code == 2
    lines = [line for line in cli.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: the weather archive address ")
    assert "Traceback" not in cli.output and "None" not in cli.output


def test_a_gzip_answer_is_read_and_a_gzip_bomb_is_refused(served, tmp_path, monkeypatch):
    monkeypatch.setattr(weather_client, "MAX_ANSWER_BYTES", 1024 * 1024)
    bomb = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)  # 64 MB of blanks in about 64 KB
    assert len(bomb) < 200 * 1024

    def zipped(request: Request) -> Response:
        q = query(request)
        body = bomb if q["latitude"] == "40.4" else gzip.compress(json.dumps(archive_answer(q)).encode())
        return Response(body, headers={"Content-Encoding": "gzip"}, content_type="application/json")

    served.expect_request("/v1/archive").respond_with_handler(zipped)
    write_athlete(tmp_path / "team" / "eva", {"timezone": "Europe/Madrid"}, season(3, position=(37.3891, -5.9845)), [])
    one_athlete(tmp_path)
    result = report(tmp_path)
    (line,) = weather_lines(result)  # only Madrid's bomb; Seville's gzip answer was read
    assert "the weather archive's answer was refused: it is larger than 1 MB once decompressed" in line
    assert "ana" in [p.athlete for p in result.problems if p.location == "weather"]
    days = cached_days(tmp_path)  # Seville's span, 3 to 9 June (runs on days 0, 3, 6): seven days; none of Madrid
    assert len(days) == 7 and {p.parent.name for p in days} == {"37.4_-6.0"}

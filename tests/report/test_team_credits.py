"""The team page credits the weather archive (CC BY 4.0) when any athlete's air came from it, as
the athlete pages do; a team whose air all came from weather.csv carries no credit. The archive
is a local stand-in; nothing here touches the internet."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
from werkzeug import Request, Response

import analyzer
from analyzer.io import weather_archive
from analyzer.testing.synthetic import write_athlete
from tests.io.test_weather_archive import archive_answer, season

CREDIT = ("Weather data by Open-Meteo.com (ERA5 and ERA5-Land reanalyses; contains modified Copernicus Climate "
          "Change Service information)")


@pytest.fixture
def archive(httpserver, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("CRAMP_WEATHER_URL", httpserver.url_for("/v1/archive"))

    def handle(request: Request) -> Response:
        q = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        return Response(json.dumps(archive_answer(q)), content_type="application/json")

    httpserver.expect_request("/v1/archive").respond_with_handler(handle)
    weather_archive._REACHABLE.clear()
    weather_archive._FAILURES.clear()
    yield httpserver
    weather_archive._REACHABLE.clear()
    weather_archive._FAILURES.clear()


def footer(page: str) -> str:
    return page[page.index("Every input problem is in"):]


def test_the_team_page_credits_the_archive_once_when_any_athlete_used_it(archive, tmp_path):
    team = tmp_path / "team"
    write_athlete(team / "ana", {"timezone": "Europe/Madrid"}, season(3), [])  # air from the archive
    write_athlete(team / "bob", {"timezone": "Europe/Madrid", "weather": "off"}, season(3), [])  # none
    for use_cache in (True, True):  # the second report comes from the report cache: the credit stays
        result = analyzer.run_report(team, tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache",
                                     use_cache=use_cache)
        assert result.athletes == 2
        page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
        assert page.count(CREDIT) == 1
        assert "CC BY 4.0" in footer(page) and "https://open-meteo.com/" in footer(page)
    assert CREDIT in (tmp_path / "out" / "ana" / "report.html").read_text(encoding="utf-8")
    assert CREDIT not in (tmp_path / "out" / "bob" / "report.html").read_text(encoding="utf-8")


def test_no_credit_when_no_air_came_from_the_archive(archive, tmp_path):
    team = tmp_path / "team"
    write_athlete(team / "bob", {"timezone": "Europe/Madrid", "weather": "off"}, season(3), [])
    analyzer.run_report(team, tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache")
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "Open-Meteo" not in page and "CC BY" not in page
    assert archive.log == []

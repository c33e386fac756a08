"""The run-level archive lookup returns why not as data; the loader's words for each reason."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs

import numpy as np
import pandas as pd
import pytest
from werkzeug import Request, Response

from analyzer.io.weather_words import unavailable_text, weather_notes
from analyzer.model import Activity
from analyzer.weather.archive import Archive, Unavailable, utc_today
from analyzer.weather.reasons import Reason
from analyzer.weather.runs import archive_for_runs, run_position
from tests.io.test_weather_archive import MADRID, archive_answer

NO_CSV = pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC"))


def leg(name: str, start: pd.Timestamp, position=MADRID, minutes: int = 40):
    times = pd.date_range(start, periods=minutes + 1, freq="min")
    records = pd.DataFrame({"heart_rate_bpm": np.full(len(times), 140.0)}, index=times)
    if position is not None:
        records["latitude_deg"], records["longitude_deg"] = position
    empty = pd.DataFrame()
    return Activity(records=records, laps=empty, sessions=empty, events=empty, pauses=empty, device={},
                    utc_offset=None, source=name)


JUNE = pd.Timestamp("2024-06-15 06:00", tz="UTC")


def serve(httpserver, handler=None):
    queries = []

    def handle(request: Request) -> Response:
        query = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        queries.append(query)
        if handler is not None:
            return handler(query)
        return Response(json.dumps(archive_answer(query)), content_type="application/json")

    httpserver.expect_request("/v1/archive").respond_with_handler(handle)
    return queries


def test_runs_in_one_cell_share_one_request_and_get_their_hours(httpserver, tmp_path):
    queries = serve(httpserver)
    archive = Archive(tmp_path, "auto", url=httpserver.url_for("/v1/archive"))
    near = (MADRID[0] + 0.01, MADRID[1] + 0.01)  # same 0.1° cell
    got = archive_for_runs([leg("a.fit", JUNE), leg("b.fit", JUNE + pd.Timedelta(days=2), near)], NO_CSV, archive)
    assert len(queries) == 1 and (queries[0]["start_date"], queries[0]["end_date"]) == ("2024-06-15", "2024-06-17")
    assert set(got.weather) == {"a.fit", "b.fit"} and got.unavailable == {}
    a = got.weather["a.fit"]
    # the hours from 2 h before the start to 2 h after the end (06:40): 04:00 to 08:00, five hours
    assert [t.hour for t in a.hours.index] == [4, 5, 6, 7, 8] and a.hours["temperature_c"].eq(34.0).all()
    assert a.cell_label == "40.4°N 3.7°W"


def test_reasons_decided_before_anything_is_asked(tmp_path):
    today = utc_today()
    future = pd.Timestamp(today + dt.timedelta(days=3), tz="UTC") + pd.Timedelta(hours=6)
    archive = Archive(tmp_path, "auto", url="http://127.0.0.1:9/v1/archive")
    got = archive_for_runs([leg("track.fit", JUNE, position=None), leg("zero.fit", JUNE, position=(0.0, 0.0)),
                            leg("later.fit", future)], NO_CSV, archive)
    assert got.weather == {}
    assert got.unavailable == {"track.fit": Unavailable(Reason.NO_POSITION), "zero.fit": Unavailable(Reason.NO_POSITION),
                               "later.fit": Unavailable(Reason.FUTURE_DATE, today=today)}
    assert archive.requests_sent == 0 and archive.gaps == 1  # the later run's day will come
    off = archive_for_runs([leg("a.fit", JUNE)], NO_CSV, archive, mode="off")
    assert off.unavailable == {"a.fit": Unavailable(Reason.SWITCHED_OFF)}
    assert archive_for_runs([leg("a.fit", JUNE)], NO_CSV, None).unavailable["a.fit"].reason is Reason.SWITCHED_OFF


def test_weather_csv_covering_a_run_leaves_it_out(tmp_path):
    csv = pd.DataFrame({"temperature_c": [20.0]}, index=pd.DatetimeIndex([JUNE + pd.Timedelta(minutes=50)]))
    got = archive_for_runs([leg("a.fit", JUNE)], csv, Archive(tmp_path, "off"))
    assert got.weather == {} and got.unavailable == {}


def test_offline_and_not_cached(tmp_path):
    offline = Archive(tmp_path, "auto", url="http://127.0.0.1:9/v1/archive")
    got = archive_for_runs([leg("a.fit", JUNE)], NO_CSV, offline)
    assert got.unavailable == {"a.fit": Unavailable(Reason.UNREACHABLE,
                                                    "the weather archive at 127.0.0.1 is not reachable (offline?)")}
    cached_only = Archive(tmp_path, "cache", url="http://127.0.0.1:9/v1/archive")
    assert archive_for_runs([leg("a.fit", JUNE)], NO_CSV, cached_only).unavailable == {
        "a.fit": Unavailable(Reason.NOT_CACHED)}


def test_refused_and_implausible_answers_cost_only_their_runs(httpserver, tmp_path):
    def answer(query):
        if query["latitude"] == "48.9":  # Paris: refused
            return Response(json.dumps({"error": True, "reason": "No data"}), status=400,
                            content_type="application/json")
        body = archive_answer(query)
        if query["latitude"] == "52.5":  # Berlin: 70 °C
            body["hourly"]["temperature_2m"][3] = 70.0
        return Response(json.dumps(body), content_type="application/json")

    serve(httpserver, answer)
    archive = Archive(tmp_path, "auto", url=httpserver.url_for("/v1/archive"))
    got = archive_for_runs([leg("paris.fit", JUNE, (48.86, 2.35)), leg("berlin.fit", JUNE, (52.52, 13.40)),
                            leg("madrid.fit", JUNE)], NO_CSV, archive)
    assert set(got.weather) == {"madrid.fit"}
    assert got.unavailable["paris.fit"].reason is Reason.REFUSED
    assert got.unavailable["berlin.fit"].reason is Reason.IMPLAUSIBLE
    assert "air temperature of 70 °C at 2024-06-15 03:00 UTC" in got.unavailable["berlin.fit"].detail


def test_days_not_published_yet_and_long_past_days_without_temperature(httpserver, tmp_path):
    def empty(query):
        body = archive_answer(query)
        body["hourly"]["temperature_2m"] = [None] * len(body["hourly"]["time"])
        return Response(json.dumps(body), content_type="application/json")

    serve(httpserver, empty)
    archive = Archive(tmp_path, "auto", url=httpserver.url_for("/v1/archive"))
    recent = pd.Timestamp(utc_today() - dt.timedelta(days=3), tz="UTC") + pd.Timedelta(hours=6)
    got = archive_for_runs([leg("old.fit", JUNE), leg("new.fit", recent, (52.52, 13.40))], NO_CSV, archive)
    old, new = got.unavailable["old.fit"], got.unavailable["new.fit"]
    assert old.reason is new.reason is Reason.NOT_PUBLISHED
    assert unavailable_text(old) == "the weather archive's answer has no air temperature for these days"
    assert unavailable_text(new) == ("the weather archive does not have these days yet (ERA5 is published about "
                                     "five days after the day)")


@pytest.mark.parametrize("why,text", [
    (Unavailable(Reason.SWITCHED_OFF), "no weather.csv covers it and the weather archive is switched off"),
    (Unavailable(Reason.NO_POSITION), "no weather.csv covers it and the file has no position for the weather archive"),
    (Unavailable(Reason.NOT_CACHED), "not in the weather cache, and the weather setting is cache (nothing is asked)"),
    (Unavailable(Reason.FUTURE_DATE, today=dt.date(2026, 12, 1)),
     "dated after today (2026-12-01, UTC): the weather archive has no data for it (is the watch's clock right?)"),
    (Unavailable(Reason.REFUSED, "the weather archive refused the request (HTTP 400)"),
     "the weather archive refused the request (HTTP 400)"),
    (Unavailable(Reason.NO_DATA), "the weather archive has no data for it"),
])
def test_each_reason_in_words(why, text):
    assert unavailable_text(why) == text


def test_one_problem_per_reason_counting_its_runs_settings_stay_notes():
    refused = Unavailable(Reason.REFUSED, "the weather archive refused the request (HTTP 400)")
    notes, problems = weather_notes({"a.fit": Unavailable(Reason.SWITCHED_OFF), "b.fit": refused, "c.fit": refused,
                                     "d.fit": Unavailable(Reason.NOT_CACHED)}, "team/ana", "ana")
    assert notes["a.fit"] == "no weather.csv covers it and the weather archive is switched off"
    assert [(p.location, p.message, p.athlete) for p in problems] == [
        ("weather", "air temperature unknown for 2 runs: the weather archive refused the request (HTTP 400)", "ana"),
        ("weather", "air temperature unknown for 1 run: not in the weather cache, and the weather setting is cache "
                    "(nothing is asked)", "ana")]


def test_the_first_plausible_position_is_the_runs():
    records = pd.DataFrame({"latitude_deg": [np.nan, 0.0, 95.0, 40.41], "longitude_deg": [1.0, 0.0, 3.0, -3.70]})
    assert run_position(records) == (40.41, -3.70)
    assert run_position(records.drop(columns="longitude_deg")) is None


def test_a_give_up_remembers_words_and_reason_never_the_exception_or_its_callers(httpserver, tmp_path):
    """The process-wide memory of a failed archive keeps no traceback: a kept traceback keeps every
    caller's frame alive (one of them holds all of an athlete's records) for the life of the worker."""
    import gc
    import weakref

    from analyzer.weather import archive as archive_module
    from analyzer.weather.open_meteo import Cell

    # a redirect to another host: the archive is not asked again in this process
    httpserver.expect_request("/v1/archive").respond_with_data(
        "", status=302, headers={"Location": "http://elsewhere.invalid/v1/archive"})
    url = httpserver.url_for("/v1/archive")

    class Records:  # stands for a caller's big object
        pass

    def caller():
        records = Records()
        archive = Archive(tmp_path, "auto", url=url)
        _frame, _where, why = archive.hours(Cell(40.4, -3.7), [JUNE.date()])
        return weakref.ref(records), why

    alive, why = caller()
    assert why.reason is Reason.REDIRECTED and "not followed" in why.detail
    remembered = archive_module._FAILURES[url]
    assert remembered == (why.detail, Reason.REDIRECTED)
    gc.collect()
    assert alive() is None  # nothing kept the caller's frame
    # a later archive object of the same process is told without asking
    later = Archive(tmp_path, "auto", url=url)
    assert later.hours(Cell(40.4, -3.7), [JUNE.date()])[2] == why and len(httpserver.log) == 1

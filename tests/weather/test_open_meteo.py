"""parse_open_meteo (pure) and get_open_meteo_hourly (against a local stand-in of the archive)."""

from __future__ import annotations

import datetime as dt
import json
import math
from urllib.parse import parse_qs

import numpy as np
import pytest
from werkzeug import Request, Response

import analyzer
from analyzer.errors import AnalyzerError, ArchiveError
from analyzer.weather.open_meteo import (
    ATTRIBUTION,
    COLUMNS,
    Cell,
    get_open_meteo_hourly,
    parse_open_meteo,
)
from analyzer.weather.reasons import Reason
from tests.io.test_weather_archive import MADRID, archive_answer

H0 = 1718582400  # 2024-06-17 00:00 UTC


def payload(**hourly) -> dict:
    n = len(next(iter(hourly.values())))
    units = {"temperature_2m": "°C", "wind_speed_10m": "m/s", "shortwave_radiation": "W/m²",
             "direct_radiation": "W/m²", "relative_humidity_2m": "%", "dew_point_2m": "°C",
             "surface_pressure": "hPa"}
    return {"latitude": 40.4, "longitude": -3.7, "elevation": 667.0,
            "hourly_units": {k: units[k] for k in hourly},
            "hourly": {"time": [H0 + 3600 * i for i in range(n)], **hourly}}


def test_units_are_read_as_declared_and_named_in_the_columns():
    answer = payload(temperature_2m=[86.0, 95.0], wind_speed_10m=[36.0, 18.0])
    answer["hourly_units"].update(temperature_2m="°F", wind_speed_10m="km/h")
    data, meta = parse_open_meteo(answer)
    # by hand: (86 − 32) × 5/9 = 30 °C, (95 − 32) × 5/9 = 35 °C; 36 km/h ÷ 3.6 = 10 m/s, 18 km/h = 5 m/s
    assert data["temperature_c"].tolist() == pytest.approx([30.0, 35.0])
    assert data["wind_mps"].tolist() == pytest.approx([10.0, 5.0])
    assert list(data.columns) == COLUMNS and data["solar_w_m2"].isna().all()
    assert [str(t) for t in data.index] == ["2024-06-17 00:00:00+00:00", "2024-06-17 01:00:00+00:00"]
    assert (meta["latitude_deg"], meta["longitude_deg"], meta["elevation_m"]) == (40.4, -3.7, 667.0)


def test_one_name_per_quantity():
    assert "wind_mps" in COLUMNS and "solar_w_m2" in COLUMNS
    assert not {"wind_10m_mps", "shortwave_w_m2"} & set(COLUMNS)


@pytest.mark.parametrize("change,words", [
    (lambda a: a["hourly"].update(temperature_2m=[20.0, 61.0]), "air temperature of 61 °C at 2024-06-17 01:00 UTC"),
    (lambda a: a["hourly"].update(time=[H0, H0 + 1800]), "not whole hours in time order"),
    (lambda a: a["hourly"].update(time=[H0 + 3600, H0]), "not whole hours in time order"),
    (lambda a: a["hourly"].update(temperature_2m=[20.0]), "gives 1 values of air temperature for 2 hours"),
    (lambda a: a["hourly_units"].update(temperature_2m="K"), "it gives air temperature in 'K'; expected °C or °F"),
    (lambda a: a.update(hourly=[]), "it holds no hourly data"),
])
def test_implausible_answers_are_refused_in_words(change, words):
    answer = payload(temperature_2m=[20.0, 21.0])
    change(answer)
    with pytest.raises(ArchiveError) as caught:
        parse_open_meteo(answer)
    assert words in str(caught.value) and str(caught.value).startswith("the weather archive's answer was refused: ")
    assert caught.value.reason == Reason.IMPLAUSIBLE and caught.value.give_up is False


def test_an_answer_for_another_place_or_other_days_is_refused():
    answer = payload(temperature_2m=[20.0, 21.0])
    answer["latitude"] = 41.0  # 0.6° of latitude north of the cell asked for: about 67 km
    with pytest.raises(ArchiveError, match="for a place 67 km from the grid cell asked for"):
        parse_open_meteo(answer, cell=Cell(40.4, -3.7))
    day = dt.date(2024, 6, 18)  # the hours are of the 17th
    with pytest.raises(ArchiveError, match=r"outside the days asked for \(2024-06-18 to 2024-06-18\)"):
        parse_open_meteo(payload(temperature_2m=[20.0, 21.0]), first=day, last=day)


def test_the_error_is_the_packages_own():
    assert issubclass(ArchiveError, AnalyzerError)
    assert analyzer.ArchiveError is ArchiveError
    assert analyzer.get_open_meteo_hourly is get_open_meteo_hourly
    assert analyzer.parse_open_meteo is parse_open_meteo


def test_get_sends_only_the_rounded_cell_and_gives_data_and_metadata(httpserver):
    queries = []

    def handle(request: Request) -> Response:
        query = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        queries.append(query)
        return Response(json.dumps(archive_answer(query)), content_type="application/json")

    httpserver.expect_request("/v1/archive").respond_with_handler(handle)
    url = httpserver.url_for("/v1/archive") + "?apikey=SECRET"
    data, meta = get_open_meteo_hourly(*MADRID, dt.date(2024, 6, 15), "2024-06-16", url=url, timeout_s=30)
    (query,) = queries
    assert (query["latitude"], query["longitude"]) == ("40.4", "-3.7")  # 40.4168, −3.7038 rounded to 0.1°
    assert (query["start_date"], query["end_date"], query["models"]) == ("2024-06-15", "2024-06-16", "era5_seamless")
    # two days of hours; the stand-in says 34 °C on 15 June (a hot day), 16 °C on the 16th
    assert len(data) == 48 and data.index.tz is not None
    assert data.loc["2024-06-15", "temperature_c"].eq(34.0).all() and data.loc["2024-06-16", "temperature_c"].eq(16.0).all()
    # the stand-in puts its grid point 0.02° north and 0.03° west of the cell sent
    assert meta["latitude_deg"] == pytest.approx(40.42) and meta["longitude_deg"] == pytest.approx(-3.73)
    assert meta["elevation_m"] == 650.0 and meta["cell"] == "40.4°N 3.7°W"
    assert meta["attribution"] == ATTRIBUTION and meta["licence"] == "CC BY 4.0" and meta["model"] == "era5_seamless"
    assert "SECRET" not in meta["url"] and "latitude=40.4" in meta["url"]
    assert meta["url"].startswith(httpserver.url_for("/v1/archive") + "?")


def test_get_raises_the_typed_error_with_the_reason(httpserver):
    httpserver.expect_request("/v1/archive").respond_with_json({"error": True, "reason": "Parameter is wrong"},
                                                               status=400)
    with pytest.raises(ArchiveError) as caught:
        get_open_meteo_hourly(*MADRID, "2024-06-15", "2024-06-15", url=httpserver.url_for("/v1/archive"))
    assert str(caught.value) == ("the weather archive refused the request for 2024-06-15 to 2024-06-15 "
                                 "(HTTP 400: Parameter is wrong)")
    assert caught.value.reason == Reason.REFUSED


@pytest.mark.parametrize("lat,lon", [(91.0, 0.0), (0.0, 181.0), (math.nan, 3.0)])
def test_get_refuses_a_place_off_the_globe_before_asking(lat, lon):
    with pytest.raises(ValueError, match="no place on Earth"):
        get_open_meteo_hourly(lat, lon, "2024-06-15", "2024-06-15", url="http://127.0.0.1:9/")


def test_get_refuses_days_backwards():
    with pytest.raises(ValueError, match=r"the last day \(2024-06-14\) is before the first \(2024-06-15\)"):
        get_open_meteo_hourly(*MADRID, "2024-06-15", "2024-06-14", url="http://127.0.0.1:9/")


def test_a_tz_aware_start_is_taken_in_utc():
    from analyzer.weather.open_meteo import _utc_date

    # 00:30 in Madrid (UTC+2) on 16 June is still 15 June in UTC
    assert _utc_date("2024-06-16T00:30:00+02:00") == dt.date(2024, 6, 15)
    assert _utc_date(np.datetime64("2024-06-16T00:30")) == dt.date(2024, 6, 16)

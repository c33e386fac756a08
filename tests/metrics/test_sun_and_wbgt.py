"""The sun's position and Liljegren's WBGT against published values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.metrics.heat import wbgt_estimate_c, wbgt_liljegren_c
from analyzer.metrics.sun import cos_solar_zenith


def test_solar_zenith_at_known_moments():
    # equator, March equinox, solar noon (12:00 + 7.4 min equation of time): sun overhead
    z = np.degrees(np.arccos(cos_solar_zenith(pd.Timestamp("2024-03-20 12:07:30", tz="UTC"), 0.0, 0.0)))
    assert float(z[0]) == pytest.approx(0.0, abs=0.5)
    # Berlin at the June solstice, solar noon: zenith = 52.52° − 23.44° = 29.08°
    z = np.degrees(np.arccos(cos_solar_zenith(pd.Timestamp("2024-06-21 11:07", tz="UTC"), 52.52, 13.40)))
    assert float(z[0]) == pytest.approx(29.08, abs=0.3)
    # the same place at midnight UTC: the sun is below the horizon
    assert float(cos_solar_zenith(pd.Timestamp("2024-06-21 23:00", tz="UTC"), 52.52, 13.40)[0]) < 0


# ECMWF thermofeel's regression fixture for its Liljegren WBGT (tests/thermofeel_testcases.csv and
# tests/wbgt_liljegren.csv at commit f9c4728, Apache-2.0): t2m K, dew point K, 10 m wind m/s, hourly SSRD J/m²,
# direct part J/m², cos zenith → WBGT K (rows 1, 2, 27, 40). Relative humidity from the dew point with the library's
# own Magnus form; pressure 1013.25 hPa, as in that test.
LILJEGREN_CASES = [
    (310.0, 280.0, 2.0, 604146.4934, 374150.1613, 0.5, 298.4340833516603197),
    (300.0, 290.0, 0.02, 604135.6459, 377084.2418, 0.5, 297.4803877876331057),
    (294.7049414, 286.6846011, 1.161550529, 607954.4988, 383763.4185, 0.5, 292.8576370990984401),
    (299.3792419, 286.4600046, 0.573548251, 607334.0657, 363492.196, 0.5, 295.8529159175193399),
]


@pytest.mark.parametrize("t2m,td,va,ssrd,fdir,cossza,expected_k", LILJEGREN_CASES)
def test_wbgt_liljegren_matches_the_models_reference_values(t2m, td, va, ssrd, fdir, cossza, expected_k):
    import thermofeel

    rh = float(thermofeel.calculate_relative_humidity_percent(np.array([t2m]), np.array([td]))[0])
    wbgt = wbgt_liljegren_c(t2m - 273.15, rh, va, ssrd / 3600.0, fdir / ssrd, cossza)
    assert float(wbgt[0]) == pytest.approx(expected_k - 273.15, abs=1e-6)


def test_sun_raises_wbgt_and_the_bom_estimate_is_a_middle_guess():
    # 30 °C, 50 %, light wind: full midday sun vs night
    sun = float(wbgt_liljegren_c(30.0, 50.0, 2.0, 900.0, 0.8, 0.9)[0])
    night = float(wbgt_liljegren_c(30.0, 50.0, 2.0, 0.0, 0.0, -0.3)[0])
    bom = float(wbgt_estimate_c(30.0, 50.0))
    assert night < bom < sun + 1.0 and sun - night > 3.0

"""Heat index against DOMAIN.md §3.1's worked table and the NWS chart; the WBGT estimate against the BoM's."""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.metrics.heat import (
    c_to_f,
    f_to_c,
    heat_index_below_chart,
    heat_index_c,
    heat_index_f,
    vapour_pressure_hpa,
    wbgt_estimate_c,
)

# (T °F, RH %, HI °F from the Rothfusz formula as worked in DOMAIN.md §3.1, NWS chart value or None)
TABLE = [
    (90, 70, 105.9, 105),
    (96, 65, 121.0, 121),
    (86, 40, 85.4, 85),
    (80, 40, 79.6, 80),  # simple formula branch
    (70, 50, 69.0, None),  # simple formula branch
    (100, 10, 94.1, None),  # regression minus the low-humidity adjustment
    (85, 90, 101.8, None),  # regression plus the high-humidity adjustment
]


@pytest.mark.parametrize("t_f,rh,worked,chart", TABLE)
def test_heat_index_matches_worked_values_and_nws_chart(t_f, rh, worked, chart):
    hi = float(heat_index_f(t_f, rh))
    assert hi == pytest.approx(worked, abs=0.05)
    if chart is not None:
        assert hi == pytest.approx(chart, abs=1.0)  # DOMAIN.md: the regression is within ±1 °F of the chart


def test_celsius_version_and_arrays():
    # 32.2 °C / 70 % is the 90 °F row: 105.9 °F = 41.1 °C
    assert float(heat_index_c(32.2222, 70)) == pytest.approx(41.06, abs=0.05)
    out = heat_index_c(np.array([30.0, np.nan]), np.array([40, 50]))
    assert out[0] == pytest.approx(29.7, abs=0.05) and np.isnan(out[1])


def test_unit_conversions_round_trip():
    assert float(c_to_f(100)) == 212.0 and float(f_to_c(32)) == 0.0
    assert float(f_to_c(c_to_f(37.5))) == pytest.approx(37.5)


@pytest.mark.parametrize("t,rh,e,wbgt", [(30, 60, 25.4, 30.9), (25, 50, 15.8, 24.3), (15, 70, None, 17.1)])
def test_wbgt_bom_examples(t, rh, e, wbgt):
    if e is not None:
        assert float(vapour_pressure_hpa(t, rh)) == pytest.approx(e, abs=0.05)
    assert float(wbgt_estimate_c(t, rh)) == pytest.approx(wbgt, abs=0.05)


def test_in_cool_dry_air_the_published_formula_gives_less_than_the_air_and_is_under_the_chart():
    # NWS: HI = 0.5 × (T + 61 + (T − 68) × 1.2 + 0.094 RH) when that is under 80 °F.
    # 60 °F at 20 %: 0.5 × (60 + 61 − 9.6 + 1.88) = 56.64 °F, below the air
    assert float(heat_index_f(60, 20)) == pytest.approx(56.64, abs=1e-9)
    # 16 °C (60.8 °F) at 60 %: 0.5 × (60.8 + 61 − 8.64 + 5.64) = 59.4 °F = 15.22 °C
    assert float(heat_index_c(16.0, 60)) == pytest.approx((59.4 - 32) * 5 / 9, abs=1e-9)
    # the chart starts at 80 °F = 26.67 °C: below it the index is no heat-stress number
    assert heat_index_below_chart([15.22, 26.6, 26.7, 41.1, np.nan]).tolist() == [True, True, False, False, False]
    from analyzer.formatting import format_heat_index

    assert format_heat_index(15.22, under_chart=True) == "under the NWS chart (below 26.7 °C)"
    assert format_heat_index(15.22, form="cell", under_chart=True) == "< 26.7"
    assert format_heat_index(15.22) == "15.2 °C"  # only where a page asks for it
    assert format_heat_index(41.06, under_chart=True) == "41.1 °C"

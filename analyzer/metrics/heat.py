"""Heat stress from air temperature and humidity (never from a wrist sensor).

References
----------
NWS Weather Prediction Center, "The Heat Index Equation",
https://www.wpc.ncep.noaa.gov/html/heatindex_equation.shtml (Rothfusz 1990 regression of
Steadman 1979). Australian Bureau of Meteorology, "Thermal comfort observations" (WBGT
approximation), http://www.bom.gov.au/info/thermal_stress/
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike

HEAT_INDEX_CHART_MAX_F = 137.0
"""The largest heat index the NWS chart prints (°F); beyond it the chart is blank."""

HEAT_INDEX_CHART_AIR_MAX_F = 110.0
"""The hottest air temperature on the NWS chart (°F); the regression was not fitted beyond it."""

HEAT_INDEX_CHART_MIN_F = 80.0
"""The lowest heat index on the NWS chart (°F), where its "caution" category starts.

Below it the index is the simple formula (Steadman's apparent temperature), which in cool dry air
is lower than the air itself (60 °F at 20 % gives 56.6 °F): a number that does not mean "feels
cooler" and says nothing of heat stress. Pages show such a heat index as under the chart
(:func:`heat_index_below_chart`, :func:`analyzer.formatting.format_heat_index`)."""

NWS_CATEGORIES_F = ((125.0, "extreme danger"), (103.0, "danger"), (90.0, "extreme caution"), (80.0, "caution"))
"""NWS heat-index categories by their lower edge in °F, exactly as the NWS gives them."""


def c_to_f(temperature_c: ArrayLike) -> np.ndarray:
    """Degrees Celsius → degrees Fahrenheit."""
    return np.asarray(temperature_c, dtype=float) * 9.0 / 5.0 + 32.0


def f_to_c(temperature_f: ArrayLike) -> np.ndarray:
    """Degrees Fahrenheit → degrees Celsius."""
    return (np.asarray(temperature_f, dtype=float) - 32.0) * 5.0 / 9.0


def heat_index_f(air_temperature_f: ArrayLike, relative_humidity_pct: ArrayLike) -> np.ndarray:
    """NWS heat index in °F.

    The simple formula ``0.5 × (T + 61 + (T − 68) × 1.2 + 0.094 RH)`` is used when it gives
    less than 80 °F; otherwise the Rothfusz regression, less the low-humidity adjustment
    (RH < 13 %, 80–112 °F) or plus the high-humidity adjustment (RH > 85 %, 80–87 °F).

    This is the NWS algorithm as published: "the simple formula is computed first and the result
    averaged with the temperature" is the ``0.5 × (T + …)`` itself (MetPy reads it the same way).
    In cool, dry air it gives less than the air temperature (60 °F at 20 %: 0.5 × (60 + 61 − 9.6 +
    1.88) = 56.6 °F); the NWS chart starts at 80 °F (:data:`HEAT_INDEX_CHART_MIN_F`), and pages
    show a heat index below it as under the chart, never as a cooler feel.

    Parameters
    ----------
    air_temperature_f : array_like
        Air temperature, °F.
    relative_humidity_pct : array_like
        Relative humidity, %.

    Returns
    -------
    numpy.ndarray
        Heat index, °F (NaN where an input is NaN).

    References
    ----------
    NWS WPC, "The Heat Index Equation"; Rothfusz LP 1990, NWS Southern Region Technical
    Attachment SR 90-23.

    Examples
    --------
    >>> round(float(heat_index_f(90, 70)), 1)
    105.9
    >>> round(float(heat_index_f(60, 20)), 2)  # cool and dry: the simple formula, below the air
    56.64
    """
    t = np.asarray(air_temperature_f, dtype=float)
    rh = np.asarray(relative_humidity_pct, dtype=float)
    t, rh = np.broadcast_arrays(t, rh)
    simple = 0.5 * (t + 61.0 + (t - 68.0) * 1.2 + 0.094 * rh)
    reg = (
        -42.379 + 2.04901523 * t + 10.14333127 * rh - 0.22475541 * t * rh - 6.83783e-3 * t**2
        - 5.481717e-2 * rh**2 + 1.22874e-3 * t**2 * rh + 8.5282e-4 * t * rh**2 - 1.99e-6 * t**2 * rh**2
    )
    with np.errstate(invalid="ignore"):
        low = (rh < 13) & (t >= 80) & (t <= 112)
        low_adj = ((13 - rh) / 4) * np.sqrt(np.clip((17 - np.abs(t - 95)) / 17, 0, None))
        high = (rh > 85) & (t >= 80) & (t <= 87)
        high_adj = ((rh - 85) / 10) * ((87 - t) / 5)
        reg = np.where(low, reg - low_adj, reg)
        reg = np.where(high, reg + high_adj, reg)
        return np.where(simple < 80, simple, reg)


def heat_index_c(air_temperature_c: ArrayLike, relative_humidity_pct: ArrayLike) -> np.ndarray:
    """NWS heat index in °C from air temperature in °C (see :func:`heat_index_f`).

    Examples
    --------
    >>> round(float(heat_index_c(32.2222, 70)), 1)
    41.1
    """
    return f_to_c(heat_index_f(c_to_f(air_temperature_c), relative_humidity_pct))


def vapour_pressure_hpa(air_temperature_c: ArrayLike, relative_humidity_pct: ArrayLike) -> np.ndarray:
    """Water vapour pressure, hPa: ``RH/100 × 6.105 × exp(17.27 T / (237.7 + T))``.

    References
    ----------
    Australian Bureau of Meteorology, "Thermal comfort observations".
    """
    t = np.asarray(air_temperature_c, dtype=float)
    rh = np.asarray(relative_humidity_pct, dtype=float)
    return rh / 100.0 * 6.105 * np.exp(17.27 * t / (237.7 + t))


WBGT_ESTIMATE_PREFIX = "estimated (BoM"
"""How every label of a WBGT estimated by the Bureau of Meteorology's formula begins (the report words them alike)."""

WBGT_ESTIMATE_SOURCE = f"{WBGT_ESTIMATE_PREFIX}, assumes sun, light wind)"
"""How a WBGT from :func:`wbgt_estimate_c` is labelled in the runs table (``wbgt_source``) and the plan."""


def wbgt_estimate_c(air_temperature_c: ArrayLike, relative_humidity_pct: ArrayLike) -> np.ndarray:
    """WBGT estimate without sun and wind: ``0.567 T + 0.393 e + 3.94`` °C.

    The Bureau states it assumes moderately high radiation and light wind: it overstates
    WBGT at night or in shade and can understate it in full sun and calm air.

    References
    ----------
    Australian Bureau of Meteorology, "Thermal comfort observations" (WBGT approximation),
    http://www.bom.gov.au/info/thermal_stress/

    Examples
    --------
    >>> round(float(wbgt_estimate_c(30, 60)), 1)
    30.9
    """
    t = np.asarray(air_temperature_c, dtype=float)
    return 0.567 * t + 0.393 * vapour_pressure_hpa(t, relative_humidity_pct) + 3.94


def heat_index_beyond_chart(air_temperature_c: ArrayLike, relative_humidity_pct: ArrayLike) -> np.ndarray:
    """True where the heat index lies outside what the NWS chart (and so the regression) covers.

    The chart covers air from 80 to 110 °F and prints heat indices up to 137 °F; the Rothfusz
    regression reproduces it there and "is not valid far outside" it (NWS WPC). Hotter air, or
    a heat index above 137 °F (58.3 °C), gives numbers such as 152.7 °C at 45 °C / 100 % that
    mean only "off the chart": report them as such, never as a precise value.

    Examples
    --------
    >>> bool(heat_index_beyond_chart(45, 100)), bool(heat_index_beyond_chart(32.2, 70))
    (True, False)
    """
    t_f = c_to_f(air_temperature_c)
    hi_f = heat_index_f(t_f, relative_humidity_pct)
    with np.errstate(invalid="ignore"):
        return (t_f > HEAT_INDEX_CHART_AIR_MAX_F) | (hi_f > HEAT_INDEX_CHART_MAX_F)


def heat_index_below_chart(heat_index_c: ArrayLike) -> np.ndarray:
    """True where a heat index (°C) is under the NWS chart (below 80 °F, 26.7 °C; NaN is not).

    There the index is no heat-stress number and may be below the air temperature
    (:data:`HEAT_INDEX_CHART_MIN_F`).

    Examples
    --------
    >>> heat_index_below_chart([15.2, 26.6, 26.7, float("nan")]).tolist()
    [True, True, False, False]
    """
    hi_f = c_to_f(heat_index_c)
    with np.errstate(invalid="ignore"):
        return hi_f < HEAT_INDEX_CHART_MIN_F - 1e-9


def heat_index_category(heat_index_c_value: float) -> str:
    """NWS category of a heat index in °C, with the edges compared in °F exactly (danger from 103 °F).

    Returns ``""`` below 80 °F or for NaN.

    Examples
    --------
    >>> heat_index_category(39.4), heat_index_category(39.45)
    ('extreme caution', 'danger')
    """
    hi_f = float(c_to_f(heat_index_c_value))
    for edge, name in NWS_CATEGORIES_F:
        if hi_f >= edge:
            return name
    return ""


def wbgt_liljegren_c(
    air_temperature_c: ArrayLike,
    relative_humidity_pct: ArrayLike,
    wind_10m_mps: ArrayLike,
    shortwave_w_m2: ArrayLike,
    direct_fraction: ArrayLike,
    cos_zenith: ArrayLike,
    pressure_hpa: ArrayLike = 1013.25,
) -> np.ndarray:
    """Outdoor WBGT from the whole weather: Liljegren's physical model of the globe and wet-bulb sensors.

    The natural wet-bulb and globe temperatures are solved from their heat balances (sun,
    sky, ground, wind, humidity) and combined as ``0.7 Tnw + 0.2 Tg + 0.1 Ta``. Computed by
    ECMWF's ``thermofeel`` (``calculate_wbgt_liljegren``), which scales the 10 m wind to the
    2 m sensor height with Liljegren's stability-dependent profile.

    Parameters
    ----------
    air_temperature_c : array_like
        Air temperature at 2 m, °C.
    relative_humidity_pct : array_like
        Relative humidity, %.
    wind_10m_mps : array_like
        Wind speed at 10 m, m/s.
    shortwave_w_m2 : array_like
        Downward shortwave (solar) radiation on a horizontal surface, W/m².
    direct_fraction : array_like
        Fraction of it that is direct beam (0–1; 0 at night).
    cos_zenith : array_like
        Cosine of the solar zenith angle (:func:`analyzer.metrics.sun.cos_solar_zenith`).
    pressure_hpa : array_like
        Surface air pressure, hPa.

    Returns
    -------
    numpy.ndarray
        WBGT, °C; NaN where the model does not converge or an input is missing.

    References
    ----------
    Liljegren JC et al. 2008, Modeling the wet bulb globe temperature using standard
    meteorological measurements, J Occup Environ Hyg 5:645–655.
    """
    import thermofeel

    t_k = np.atleast_1d(np.asarray(air_temperature_c, dtype=float)) + 273.15
    arrays = np.broadcast_arrays(t_k, *(np.atleast_1d(np.asarray(a, dtype=float)) for a in (
        relative_humidity_pct, pressure_hpa, wind_10m_mps, shortwave_w_m2, direct_fraction, cos_zenith)))
    t_k, rh, p, va, ssrd, fdir, cossza = (np.array(a, dtype=float) for a in arrays)
    fdir = np.clip(np.nan_to_num(fdir, nan=0.0), 0.0, 1.0)
    with np.errstate(all="ignore"):
        out = thermofeel.calculate_wbgt_liljegren(t_k, rh, p, va, np.clip(ssrd, 0, None), fdir, cossza)
    return np.asarray(out, dtype=float) - 273.15


def relative_humidity_from_dew_point_pct(air_temperature_c: ArrayLike, dew_point_c: ArrayLike) -> np.ndarray:
    """Relative humidity, %, of air at ``air_temperature_c`` holding the water of ``dew_point_c``.

    ``RH = 100 × e_s(Td) / e_s(T)`` with the Magnus form ``e_s(T) = 6.1094 exp(17.625 T / (243.04 + T))``
    hPa (Alduchov & Eskridge 1996). The dew point is what the air carries; relative humidity
    belongs to one temperature. With an air sensor warmer than the archive's air, the archive's
    relative humidity at the sensor's temperature would overstate the humidity (and the heat
    index); its dew point at the sensor's temperature does not. Capped at 100 %.

    References
    ----------
    Alduchov OA, Eskridge RE 1996, Improved Magnus form approximation of saturation vapor
    pressure, J Appl Meteorol 35:601–609.

    Examples
    --------
    >>> round(float(relative_humidity_from_dew_point_pct(30.0, 16.7)), 1)   # archive 25 °C / 60 % → 16.7 °C dew point
    44.8
    """
    t = np.asarray(air_temperature_c, dtype=float)
    td = np.asarray(dew_point_c, dtype=float)
    with np.errstate(invalid="ignore"):
        rh = 100.0 * np.exp(17.625 * td / (243.04 + td) - 17.625 * t / (243.04 + t))
        return np.minimum(rh, 100.0)


LILJEGREN_NORMSOLAR_MAX = 0.85
"""Largest solar irradiance as a fraction of the top-of-atmosphere irradiance (Liljegren et al. 2008's
``NORMSOLAR_MAX``): more is a sensor error, or hourly radiation paired with a sun too low."""

LILJEGREN_CZA_MIN = 0.00873
"""Cosine of 89.5°: with the sun lower, the solar irradiance is taken as zero (Liljegren's ``CZA_MIN``)."""

LILJEGREN_FDIR_MAX = 0.9
"""Largest direct-beam fraction of the solar irradiance (Liljegren's bound)."""


def liljegren_solar(shortwave_w_m2: ArrayLike, direct_w_m2: ArrayLike, cos_zenith: ArrayLike,
                    inverse_distance_sq: ArrayLike = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Solar irradiance and its direct fraction as Liljegren's WBGT model takes them.

    As in Liljegren's ``calc_solar_parameters``: the irradiance is capped at
    ``0.85 × S₀ cos θ (r₀/r)²`` (:data:`LILJEGREN_NORMSOLAR_MAX`, ``S₀`` =
    :data:`~analyzer.metrics.sun.SOLAR_CONSTANT_W_M2`) and is zero with the sun below 89.5°
    zenith. The direct fraction is the archive's own split (direct ÷ total), bounded to 0–0.9;
    where the direct part is unknown, Liljegren's estimate from the normalised irradiance ``n``:
    ``exp(3 − 1.34 n − 1.65 / n)``, bounded to 0–0.9.

    Parameters
    ----------
    shortwave_w_m2, direct_w_m2 : array_like
        Total and direct-beam irradiance on a horizontal surface (means over the same hour), W/m².
    cos_zenith : array_like
        The sun's height over the same hour (:func:`analyzer.metrics.sun.cos_solar_zenith_hour_mean`).
    inverse_distance_sq : array_like
        ``(r₀/r)²`` (:func:`analyzer.metrics.sun.inverse_sun_distance_squared`).

    Returns
    -------
    solar_w_m2, direct_fraction : numpy.ndarray

    References
    ----------
    Liljegren JC et al. 2008, Modeling the wet bulb globe temperature using standard
    meteorological measurements, J Occup Environ Hyg 5:645–655 (and its C code, ``wbgt.c``).

    Examples
    --------
    >>> solar, fdir = liljegren_solar(250.0, float("nan"), 0.2094, 0.9671)  # Madrid, 18–19 UTC in July
    >>> round(float(solar), 1), float(fdir)
    (235.3, 0.9)
    """
    from analyzer.metrics.sun import SOLAR_CONSTANT_W_M2

    sw, direct, cz, inv = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (
        shortwave_w_m2, direct_w_m2, cos_zenith, inverse_distance_sq)))
    with np.errstate(invalid="ignore", divide="ignore"):
        toa = SOLAR_CONSTANT_W_M2 * np.clip(cz, 0.0, None) * inv
        up = cz >= LILJEGREN_CZA_MIN
        norm = np.where(up, np.minimum(np.clip(sw, 0.0, None) / np.where(up, toa, 1.0), LILJEGREN_NORMSOLAR_MAX), 0.0)
        norm = np.where(np.isnan(sw), np.nan, norm)
        solar = norm * toa
        own = np.where(sw > 0, direct / np.where(sw > 0, sw, 1.0), 0.0)
        estimate = np.where(norm > 0, np.exp(3.0 - 1.34 * norm - 1.65 / np.where(norm > 0, norm, 1.0)), 0.0)
        fdir = np.where(np.isnan(direct), estimate, own)
        fdir = np.where(solar > 0, np.clip(fdir, 0.0, LILJEGREN_FDIR_MAX), 0.0)
    return solar, fdir

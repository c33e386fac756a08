"""Where the sun is: the cosine of the solar zenith angle, for heat stress in sunshine.

References
----------
NOAA Global Monitoring Laboratory, "General Solar Position Calculations" (the fractional-year
series of Spencer 1971 for the equation of time and the declination),
https://gml.noaa.gov/grad/solcalc/solareqns.PDF
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd


def cos_solar_zenith(time_utc: pd.DatetimeIndex | pd.Series | pd.Timestamp, latitude_deg: npt.ArrayLike,
                     longitude_deg: npt.ArrayLike) -> np.ndarray:
    """Cosine of the solar zenith angle (1 = sun overhead, ≤ 0 = sun below the horizon).

    ``cos θ = sin φ sin δ + cos φ cos δ cos h``, with the declination δ and the equation of
    time from NOAA's fractional-year series and the hour angle h from true solar time. Good
    to a few tenths of a degree, plenty for radiation on a runner.

    Parameters
    ----------
    time_utc : DatetimeIndex, Series or Timestamp (tz-aware)
    latitude_deg, longitude_deg : array_like
        Degrees, east positive.

    References
    ----------
    NOAA Global Monitoring Laboratory, "General Solar Position Calculations".

    Examples
    --------
    >>> t = pd.Timestamp("2024-06-21 11:07", tz="UTC")   # solar noon in Berlin
    >>> round(float(cos_solar_zenith(t, 52.52, 13.40)[0]), 3)  # zenith 52.52 − 23.44 = 29.1°
    0.874
    """
    t = pd.DatetimeIndex(np.atleast_1d(pd.to_datetime(time_utc, utc=True)))
    day_of_year = t.day_of_year.to_numpy(dtype=float)
    hour = (t.hour + t.minute / 60.0 + t.second / 3600.0).to_numpy(dtype=float)
    days_in_year = np.where(t.is_leap_year, 366.0, 365.0)
    gamma = 2 * np.pi / days_in_year * (day_of_year - 1 + (hour - 12) / 24)
    eqtime_min = 229.18 * (0.000075 + 0.001868 * np.cos(gamma) - 0.032077 * np.sin(gamma)
                           - 0.014615 * np.cos(2 * gamma) - 0.040849 * np.sin(2 * gamma))
    decl = (0.006918 - 0.399912 * np.cos(gamma) + 0.070257 * np.sin(gamma) - 0.006758 * np.cos(2 * gamma)
            + 0.000907 * np.sin(2 * gamma) - 0.002697 * np.cos(3 * gamma) + 0.00148 * np.sin(3 * gamma))
    lon = np.asarray(longitude_deg, dtype=float)
    lat = np.radians(np.asarray(latitude_deg, dtype=float))
    true_solar_min = hour * 60 + eqtime_min + 4 * lon
    hour_angle = np.radians(true_solar_min / 4 - 180)
    return np.sin(lat) * np.sin(decl) + np.cos(lat) * np.cos(decl) * np.cos(hour_angle)


SOLAR_CONSTANT_W_M2 = 1367.0
"""The solar constant as Liljegren et al. (2008) use it for the top-of-atmosphere irradiance, W/m²."""


def inverse_sun_distance_squared(time_utc: pd.DatetimeIndex | pd.Series | pd.Timestamp) -> np.ndarray:
    """``(r₀/r)²``: the top-of-atmosphere irradiance relative to its yearly mean (0.967 in July to 1.034 in January).

    Spencer's Fourier series in the fractional year γ:
    ``1.000110 + 0.034221 cos γ + 0.001280 sin γ + 0.000719 cos 2γ + 0.000077 sin 2γ``.

    References
    ----------
    Spencer JW 1971, Fourier series representation of the position of the sun, Search 2(5):172.

    Examples
    --------
    >>> round(float(inverse_sun_distance_squared(pd.Timestamp("2024-01-03 12:00", tz="UTC"))[0]), 3)
    1.035
    """
    t = pd.DatetimeIndex(np.atleast_1d(pd.to_datetime(time_utc, utc=True)))
    days_in_year = np.where(t.is_leap_year, 366.0, 365.0)
    gamma = 2 * np.pi / days_in_year * (t.day_of_year.to_numpy(dtype=float) - 1)
    return (1.000110 + 0.034221 * np.cos(gamma) + 0.001280 * np.sin(gamma) + 0.000719 * np.cos(2 * gamma)
            + 0.000077 * np.sin(2 * gamma))


def cos_solar_zenith_hour_mean(hour_end_utc: pd.DatetimeIndex, latitude_deg: float, longitude_deg: float,
                               samples: int = 12) -> np.ndarray:
    """The sun's height over the hour before each stamp: the mean of ``max(cos θ, 0)`` over the hour.

    Hourly radiation (the archive's, ERA5's) is the mean over the hour before its stamp; the sun
    must be taken over the same hour, not at one instant. At sunrise, an instant's low sun with
    the hour's mean radiation makes a direct beam many times too strong (a WBGT spike); the hour's
    mean sun keeps beam and radiation consistent (Kong & Huber 2022; Hogan & Hirahara 2016).
    Sampled at the middle of ``samples`` equal parts of the hour (5 minutes by default).

    Parameters
    ----------
    hour_end_utc : DatetimeIndex (tz-aware)
        The stamps of hourly means (the end of each hour).
    latitude_deg, longitude_deg : float

    References
    ----------
    Kong Q, Huber M 2022, Explicit calculations of wet-bulb globe temperature compared with
    approximations and why it matters for labor productivity, Earth's Future 10:e2021EF002334.
    Hogan RJ, Hirahara S 2016, Effect of solar zenith angle specification in models on mean
    shortwave fluxes and stratospheric temperatures, Geophys Res Lett 43:482–488.

    Examples
    --------
    >>> t = pd.DatetimeIndex(["2024-06-21 11:37"], tz="UTC")   # the hour around Berlin's solar noon
    >>> round(float(cos_solar_zenith_hour_mean(t, 52.52, 13.40)[0]), 3)
    0.872
    """
    stamps = pd.DatetimeIndex(hour_end_utc)
    if not len(stamps):
        return np.zeros(0)
    offsets_ns = np.round(((np.arange(samples) + 0.5) * 60.0 / samples - 60.0) * 60e9).astype("int64")
    ends_ns = stamps.tz_convert("UTC").as_unit("ns").asi8
    grid = pd.to_datetime((ends_ns[:, None] + offsets_ns[None, :]).ravel(), unit="ns", utc=True)
    cz = np.clip(cos_solar_zenith(grid, latitude_deg, longitude_deg), 0.0, None).reshape(len(stamps), samples)
    return cz.mean(axis=1)

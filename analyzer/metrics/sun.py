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

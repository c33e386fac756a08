"""The air around a run, and where each number came from.

Precedence, per run: ``weather.csv`` (when its observations cover the run) → an external air
sensor recorded in the FIT file (a Garmin Tempe or other ANT+ environment sensor, listed in
``device_info``; its readings are air temperature, unlike the watch's own wrist sensor) → the
weather archive (:mod:`analyzer.weather.archive`, looked up by :func:`analyzer.load_athlete`)
→ unknown, said plainly. The wrist temperature is never air.

With a sensor, humidity (for the heat index) comes from the archive's dew point at the sensor's
temperature, when the archive has the run. With the archive's wind and sunshine, WBGT comes from
Liljegren's physical model (each record with its hour's radiation and the sun over that hour,
capped at 0.85 of the top of the atmosphere); otherwise from the Bureau of Meteorology's
estimate, labelled as such; a ``wbgt_c`` column in ``weather.csv`` is used as measured.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyzer.metrics.heat import liljegren_solar, relative_humidity_from_dew_point_pct, wbgt_liljegren_c
from analyzer.metrics.sun import cos_solar_zenith_hour_mean, inverse_sun_distance_squared
from analyzer.model import Activity, ArchiveWeather, Athlete

WEATHER_MAX_GAP = pd.Timedelta(hours=2)
"""``weather.csv`` observations are interpolated only between observations at most this far apart
(or taken from the nearest one within half of it)."""

AIR_SENSOR_TYPES = frozenset({"env_sensor", "environment_sensor_legacy"})
"""ANT+ device types whose temperature is air temperature (FIT profile ``antplus_device_type``)."""

AIR_SENSOR_PRODUCTS = frozenset({"tempe"})
"""Products known to be air-temperature sensors (Garmin ``garmin_product``)."""

SOURCE_CSV = "weather.csv"
SOURCE_SENSOR = "sensor"
SOURCE_UNKNOWN = "unknown"


@dataclass
class RunAir:
    """Air conditions along one run.

    Attributes
    ----------
    frame : DataFrame
        One row per distinct record time: ``temperature_c``, ``relative_humidity_pct`` and, when
        known, ``wind_mps``, ``solar_w_m2``, ``wbgt_c``.
    source : str
        Where the air temperature came from: ``weather.csv``, ``sensor``,
        ``archive:<provider> (<grid>, <km> from the run)`` or ``unknown``.
    wbgt_source : str
        ``measured`` (weather.csv), ``Liljegren model (archive sun and wind)``,
        ``estimated (BoM, assumes sun, light wind)`` or ``""``.
    humidity_source : str
    note : str
        Why the air temperature is unknown, when it is.
    """

    frame: pd.DataFrame
    source: str
    wbgt_source: str = ""
    humidity_source: str = ""
    note: str = ""

    @property
    def known(self) -> bool:
        return "temperature_c" in self.frame and bool(self.frame["temperature_c"].notna().any())


def has_air_sensor(activity: Activity) -> bool:
    """True when the file lists an external air-temperature sensor (Garmin Tempe, ANT+ environment sensor)."""
    for sensor in activity.device.get("sensors", []) or []:
        if str(sensor.get("device_type", "")).lower() in AIR_SENSOR_TYPES:
            return True
        if str(sensor.get("product", "")).lower() in AIR_SENSOR_PRODUCTS:
            return True
    return False


def _any(values: pd.Series) -> bool:
    """True when any value is known (not NaN)."""
    return bool((~np.isnan(values.to_numpy(dtype=float, na_value=np.nan))).any())


def _times(records: pd.DataFrame) -> pd.DatetimeIndex:
    index = records.index
    if index.is_monotonic_increasing and index.is_unique and not index.hasnans:
        return index
    return index[index.notna()].unique().sort_values()


def interpolate_weather(times: pd.DatetimeIndex, weather: pd.DataFrame, columns: list[str],
                        max_gap: pd.Timedelta = WEATHER_MAX_GAP) -> pd.DataFrame:
    """Observations interpolated in time to ``times``, only between observations at most ``max_gap``
    apart (a single observation, or the nearest one, counts within half of it).

    Only the observations around ``times`` are touched (a season of hourly weather costs the
    same as a day of it); a repeated observation time counts once (its first row).
    """
    cols = [c for c in columns if c in weather]
    if weather.empty or not cols or not len(times):
        return pd.DataFrame(index=times)
    index = weather.index
    if not index.is_monotonic_increasing:  # sorted once here; weather.csv and the archive arrive sorted
        weather = weather.iloc[np.argsort(index.asi8, kind="stable")]
        index = weather.index
    t = pd.DatetimeIndex(times).as_unit("ns").asi8
    t_all = pd.DatetimeIndex(index).as_unit("ns").asi8  # one unit for both (pandas may keep s or us)
    lo = int(np.searchsorted(t_all, t.min() - max_gap.value, side="left"))
    hi = int(np.searchsorted(t_all, t.max() + max_gap.value, side="right"))
    if hi <= lo:
        return pd.DataFrame(index=times)
    t_obs = t_all[lo:hi]
    first = np.ones(len(t_obs), dtype=bool)
    first[1:] = t_obs[1:] != t_obs[:-1]
    t_obs = t_obs[first]
    pos = np.searchsorted(t_obs, t, side="left")
    before = np.clip(pos - 1, 0, len(t_obs) - 1)
    after = np.clip(pos, 0, len(t_obs) - 1)
    gap = t_obs[after] - t_obs[before]
    near = np.minimum(np.abs(t - t_obs[before]), np.abs(t_obs[after] - t))
    inside = (t_obs[before] <= t) & (t <= t_obs[after]) & (gap <= max_gap.value)
    nearest_ok = near <= max_gap.value // 2
    w = np.where(gap > 0, (t - t_obs[before]) / np.where(gap > 0, gap, 1), 0.0)
    take_before = np.abs(t - t_obs[before]) <= np.abs(t_obs[after] - t)
    out = {}
    for c in cols:
        v = weather[c].to_numpy(dtype=float, na_value=np.nan)[lo:hi][first]
        lin = v[before] + w * (v[after] - v[before])
        nearest = np.where(take_before, v[before], v[after])
        out[c] = np.where(inside, lin, np.where(nearest_ok, nearest, np.nan))
    return pd.DataFrame(out, index=times)


def air_from_archive(times: pd.DatetimeIndex, archive: ArchiveWeather) -> pd.DataFrame:
    """Hourly archive values at the record times. Radiation is the mean of the hour before its
    stamp, so it is placed at the half hour; for WBGT, each record takes its hour's radiation with
    the sun over that same hour (:func:`hourly_sun`)."""
    hours = archive.hours
    inst = interpolate_weather(times, hours, ["temperature_c", "relative_humidity_pct", "dew_point_c",
                                              "wind_mps", "pressure_hpa"], pd.Timedelta(hours=2))
    rad = hours[["solar_w_m2", "direct_w_m2"]].copy()
    rad.index = rad.index - pd.Timedelta(minutes=30)
    inst = inst.join(interpolate_weather(times, rad, ["solar_w_m2", "direct_w_m2"], pd.Timedelta(hours=2)))
    if len(times):
        hour_end = pd.DatetimeIndex(times).ceil("h")  # the hour whose mean covers the record: (stamp − 1 h, stamp]
        sun = hourly_sun(hours, archive.lat, archive.lon, hour_end.unique())
        at = sun.reindex(hour_end)
        for col in SUN_COLUMNS:
            inst[col] = at[col].to_numpy()
    return inst


SUN_COLUMNS = ("sun_w_m2", "direct_fraction", "cos_zenith")


def hourly_sun(hours: pd.DataFrame, lat: float, lon: float, stamps: pd.DatetimeIndex) -> pd.DataFrame:
    """Per archive hour (the stamps asked for): the solar irradiance, its direct fraction and the
    sun's height as Liljegren's model takes them (:func:`~analyzer.metrics.heat.liljegren_solar`):
    hour-mean radiation with the hour-mean sun, capped at 0.85 of the top of the atmosphere."""
    stamps = pd.DatetimeIndex(stamps)
    rows = hours.reindex(stamps)
    cz = cos_solar_zenith_hour_mean(stamps, lat, lon)
    solar, fdir = liljegren_solar(rows["solar_w_m2"].to_numpy(dtype=float, na_value=np.nan),
                                  rows["direct_w_m2"].to_numpy(dtype=float, na_value=np.nan), cz,
                                  inverse_sun_distance_squared(stamps))
    return pd.DataFrame({"sun_w_m2": solar, "direct_fraction": fdir, "cos_zenith": cz}, index=stamps)


def run_air(athlete: Athlete, activity: Activity) -> RunAir:
    """Air conditions along ``activity`` with their source (the module docstring's precedence)."""
    times = _times(activity.records)
    csv = interpolate_weather(times, athlete.weather, ["temperature_c", "relative_humidity_pct", "wbgt_c",
                                                       "wind_mps"])
    archive = athlete.archive.get(activity.source)
    if "temperature_c" in csv and _any(csv["temperature_c"]):
        wbgt_source = "measured" if "wbgt_c" in csv and _any(csv["wbgt_c"]) else ""
        return RunAir(csv, SOURCE_CSV, wbgt_source, SOURCE_CSV)
    from_archive = air_from_archive(times, archive) if archive is not None and len(times) else pd.DataFrame(index=times)
    archive_known = "temperature_c" in from_archive and _any(from_archive["temperature_c"])
    if has_air_sensor(activity) and "temperature_c" in activity.records:
        temp = activity.records["temperature_c"]
        temp = temp[~temp.index.duplicated()].reindex(times)
        frame = pd.DataFrame({"temperature_c": temp.to_numpy()}, index=times)
        humidity_source = ""
        if archive_known:
            for col in ("relative_humidity_pct", "dew_point_c", "wind_mps", "solar_w_m2", "direct_w_m2",
                        "pressure_hpa", *SUN_COLUMNS):
                frame[col] = from_archive[col].to_numpy()
            frame["relative_humidity_pct"], humidity_source = _sensor_humidity(frame, archive)
        add_liljegren_wbgt(frame, archive)
        return RunAir(frame, SOURCE_SENSOR, _wbgt_source(frame), humidity_source)
    if archive_known:
        frame = from_archive.copy()
        add_liljegren_wbgt(frame, archive)
        return RunAir(frame, archive.source, _wbgt_source(frame), archive.source)
    note = athlete.archive_notes.get(activity.source, "no weather.csv covers it, no air sensor, no archive weather")
    return RunAir(pd.DataFrame(index=times), SOURCE_UNKNOWN, note=note)


def _sensor_humidity(frame: pd.DataFrame, archive: ArchiveWeather) -> tuple[np.ndarray, str]:
    """Relative humidity at the sensor's temperature: from the archive's dew point (the water the
    air carries), not the archive's relative humidity (which belongs to the archive's temperature)."""
    dew = frame["dew_point_c"].to_numpy(dtype=float, na_value=np.nan)
    if np.isfinite(dew).any():
        rh = relative_humidity_from_dew_point_pct(frame["temperature_c"].to_numpy(dtype=float, na_value=np.nan), dew)
        return rh, f"dew point from {archive.source}, at the sensor's temperature"
    return np.full(len(frame), np.nan), ""  # without the dew point, the humidity at the sensor's air is not known


def add_liljegren_wbgt(frame: pd.DataFrame, archive: ArchiveWeather | None) -> None:
    """WBGT by Liljegren's model: air, humidity and wind at the record time; sun and radiation of
    the record's archive hour (:func:`hourly_sun`)."""
    needed = ("temperature_c", "relative_humidity_pct", "wind_mps", *SUN_COLUMNS)
    if archive is None or not all(c in frame for c in needed) or frame[list(needed)].isna().all().any():
        return
    pressure = frame["pressure_hpa"].to_numpy() if "pressure_hpa" in frame else 1013.25
    frame["wbgt_c"] = wbgt_liljegren_c(frame["temperature_c"], frame["relative_humidity_pct"], frame["wind_mps"],
                                       frame["sun_w_m2"], frame["direct_fraction"], frame["cos_zenith"], pressure)
    frame.attrs["wbgt_model"] = "liljegren"


def _wbgt_source(frame: pd.DataFrame) -> str:
    if "wbgt_c" in frame and frame["wbgt_c"].notna().any():
        return "Liljegren model (archive sun and wind)"
    return ""


def air_at(athlete: Athlete, activity: Activity | None, t: pd.Timestamp) -> tuple[float, float, str]:
    """``(air °C, relative humidity %, source)`` at time ``t``: weather.csv, else (for a moment in or
    after a run) that run's sensor or archive weather; NaN and ``unknown`` otherwise."""
    if t is None or pd.isna(t):
        return np.nan, np.nan, SOURCE_UNKNOWN
    at = pd.DatetimeIndex([t])
    csv = interpolate_weather(at, athlete.weather, ["temperature_c", "relative_humidity_pct"])
    if "temperature_c" in csv and np.isfinite(csv["temperature_c"].iloc[0]):
        return float(csv["temperature_c"].iloc[0]), float(csv["relative_humidity_pct"].iloc[0]), SOURCE_CSV
    if activity is None:
        return np.nan, np.nan, SOURCE_UNKNOWN
    records = activity.records
    inside = len(records) and records.index.notna().any() and records.index.min() <= t <= records.index.max()
    if inside and has_air_sensor(activity) and "temperature_c" in records:
        temp = records["temperature_c"].dropna()
        temp = temp[~temp.index.duplicated()].sort_index()
        if len(temp):
            value = float(temp.iloc[min(temp.index.searchsorted(t), len(temp) - 1)])
            archive = athlete.archive.get(activity.source)
            rh = np.nan
            if archive is not None:
                row = air_from_archive(at, archive)
                row["temperature_c"] = value
                rh = _sensor_humidity(row, archive)[0][0]
            return value, float(rh), SOURCE_SENSOR
    archive = athlete.archive.get(activity.source)
    if archive is not None:
        row = air_from_archive(at, archive)
        if np.isfinite(row["temperature_c"].iloc[0]):
            return float(row["temperature_c"].iloc[0]), float(row["relative_humidity_pct"].iloc[0]), archive.source
    return np.nan, np.nan, SOURCE_UNKNOWN

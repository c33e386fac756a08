"""Moved to :mod:`analyzer.weather.air` (the air around a run); this old path re-exports its names.

Patch (in tests) on :mod:`analyzer.weather.air`, where they are used.
"""

from analyzer.weather.air import (
    AIR_SENSOR_PRODUCTS,
    AIR_SENSOR_TYPES,
    SOURCE_CSV,
    SOURCE_SENSOR,
    SOURCE_UNKNOWN,
    SUN_COLUMNS,
    WEATHER_MAX_GAP,
    RunAir,
    _sensor_humidity,
    add_liljegren_wbgt,
    air_at,
    air_from_archive,
    has_air_sensor,
    hourly_sun,
    interpolate_weather,
    run_air,
)

__all__ = [
    "AIR_SENSOR_PRODUCTS", "AIR_SENSOR_TYPES", "SOURCE_CSV", "SOURCE_SENSOR", "SOURCE_UNKNOWN", "SUN_COLUMNS",
    "WEATHER_MAX_GAP", "RunAir", "add_liljegren_wbgt", "air_from_archive", "_sensor_humidity", "air_at", "has_air_sensor",
    "hourly_sun", "interpolate_weather", "run_air",
]

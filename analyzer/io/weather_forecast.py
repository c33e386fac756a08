"""Moved to :mod:`analyzer.weather.forecast` (the forecast for a planned run); this old path re-exports its names.

Patch (in tests) on :mod:`analyzer.weather.forecast`, where they are used.
"""

from analyzer.weather.forecast import (
    FORECAST_ATTRIBUTION,
    FORECAST_BUDGET_S,
    FORECAST_DAYS_AHEAD,
    FORECAST_DAYS_BACK,
    FORECAST_MODEL,
    FORECAST_MODEL_LABEL,
    FORECAST_URL_ENV,
    Forecast,
    OpenMeteoForecast,
    configured_forecast_url,
    fetch_forecast,
)

__all__ = [
    "FORECAST_ATTRIBUTION", "FORECAST_BUDGET_S", "FORECAST_DAYS_AHEAD", "FORECAST_DAYS_BACK", "FORECAST_MODEL",
    "FORECAST_MODEL_LABEL", "FORECAST_URL_ENV", "Forecast", "OpenMeteoForecast", "configured_forecast_url",
    "fetch_forecast",
]

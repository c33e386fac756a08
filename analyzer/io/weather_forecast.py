"""Moved to :mod:`analyzer.weather.forecast` (the forecast for a planned run); this old path is the same module."""

import sys

from analyzer.weather import forecast as _forecast

sys.modules[__name__] = _forecast

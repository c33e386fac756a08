"""Moved to :mod:`analyzer.weather.air` (the air around a run); this old path is the same module."""

import sys

from analyzer.weather import air as _air

sys.modules[__name__] = _air

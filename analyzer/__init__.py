"""Why do the cramps come? Line a runner's cramp log up against their watch data.

The public API, and nothing else::

    import analyzer
    act = analyzer.read_fit("run.fit")
"""

from typing import TYPE_CHECKING

from analyzer.analysis import Analysis, analyze
from analyzer.cramps import match_cramps
from analyzer.errors import AnalyzerError, FitError, InputError
from analyzer.formatting import format_duration, format_pace
from analyzer.io.activities import read_activity, read_activity_folder, read_fit_folder
from analyzer.io.athlete import load_athlete, load_team
from analyzer.io.cramp_log import LoggedCramp, log_cramp
from analyzer.io.fit import FitWarning, read_fit
from analyzer.metrics.heat import heat_index_c
from analyzer.model import Activity, Athlete, Problem

if TYPE_CHECKING:
    from analyzer.batch import ReportResult, run_report
    from analyzer.plots.run import plot_run
    from analyzer.plots.season import plot_cramp_runs_vs_others, plot_cramp_timeline, plot_weekly_distance

# Figures and reports pull in matplotlib and Jinja2: loaded on first use, so that reading
# FIT files stays light (see benchmarks/README.md, memory).
_LAZY = {
    "plot_run": "analyzer.plots.run",
    "plot_weekly_distance": "analyzer.plots.season",
    "plot_cramp_runs_vs_others": "analyzer.plots.season",
    "plot_cramp_timeline": "analyzer.plots.season",
    "run_report": "analyzer.batch",
    "ReportResult": "analyzer.batch",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'analyzer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

__version__ = "0.1.0"

__all__ = [
    "Activity",
    "Analysis",
    "Athlete",
    "AnalyzerError",
    "FitError",
    "FitWarning",
    "InputError",
    "Problem",
    "ReportResult",
    "analyze",
    "format_duration",
    "format_pace",
    "heat_index_c",
    "load_athlete",
    "load_team",
    "log_cramp",
    "LoggedCramp",
    "match_cramps",
    "plot_cramp_runs_vs_others",
    "plot_cramp_timeline",
    "plot_run",
    "plot_weekly_distance",
    "read_fit",
    "read_activity",
    "read_activity_folder",
    "read_fit_folder",
    "run_report",
    "__version__",
]

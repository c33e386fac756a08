"""Why do the cramps come? Line a runner's cramp log up against their watch data.

The public API, and nothing else::

    import analyzer
    act = analyzer.read_fit("run.fit")
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what the names are, for type checkers and the documentation
    from analyzer.analysis import Analysis, analyze
    from analyzer.batch import ReportResult, run_report
    from analyzer.cramps import match_cramps
    from analyzer.errors import (
        AnalyzerError,
        ArchiveError,
        FitError,
        FitHeaderError,
        FitTruncatedError,
        FolderNotFoundError,
        InputError,
        NotFitError,
        ThresholdError,
    )
    from analyzer.flags.rules import Flag
    from analyzer.formatting import format_duration, format_pace, readable
    from analyzer.io.activities import read_activity, read_activity_folder, read_fit_folder
    from analyzer.io.athlete import load_athlete, load_team
    from analyzer.io.cramp_log import LoggedCramp, log_cramp
    from analyzer.io.exports import read_export
    from analyzer.io.fit import FitWarning, read_fit
    from analyzer.io.gpx_tcx import read_gpx, read_tcx
    from analyzer.metrics.heat import heat_index_c
    from analyzer.model import Activity, Athlete, Problem
    from analyzer.offsets import format_utc_offset
    from analyzer.plan import RunPlan, plan_run
    from analyzer.plots.run import plot_run
    from analyzer.plots.season import plot_cramp_runs_vs_others, plot_cramp_timeline, plot_weekly_distance
    from analyzer.suggestions import suggest_cramps
    from analyzer.tables import cramp_window, season_records, team_table
    from analyzer.weather.open_meteo import get_open_meteo_hourly, parse_open_meteo

# Every name loads its module on first use: `analyzer --help` does not wait for pandas, and
# reading FIT files does not pull in matplotlib or Jinja2 (see benchmarks/README.md, memory).
_LAZY = {
    "Analysis": "analyzer.analysis",
    "analyze": "analyzer.analysis",
    "ReportResult": "analyzer.batch",
    "run_report": "analyzer.batch",
    "match_cramps": "analyzer.cramps",
    "AnalyzerError": "analyzer.errors",
    "ArchiveError": "analyzer.errors",
    "FitError": "analyzer.errors",
    "FitHeaderError": "analyzer.errors",
    "FitTruncatedError": "analyzer.errors",
    "NotFitError": "analyzer.errors",
    "Flag": "analyzer.flags.rules",
    "InputError": "analyzer.errors",
    "FolderNotFoundError": "analyzer.errors",
    "ThresholdError": "analyzer.errors",
    "format_duration": "analyzer.formatting",
    "format_pace": "analyzer.formatting",
    "format_utc_offset": "analyzer.offsets",
    "readable": "analyzer.formatting",
    "read_activity": "analyzer.io.activities",
    "read_activity_folder": "analyzer.io.activities",
    "read_fit_folder": "analyzer.io.activities",
    "read_export": "analyzer.io.exports",
    "read_gpx": "analyzer.io.gpx_tcx",
    "read_tcx": "analyzer.io.gpx_tcx",
    "suggest_cramps": "analyzer.suggestions",
    "load_athlete": "analyzer.io.athlete",
    "load_team": "analyzer.io.athlete",
    "LoggedCramp": "analyzer.io.cramp_log",
    "log_cramp": "analyzer.io.cramp_log",
    "FitWarning": "analyzer.io.fit",
    "read_fit": "analyzer.io.fit",
    "heat_index_c": "analyzer.metrics.heat",
    "Activity": "analyzer.model",
    "Athlete": "analyzer.model",
    "Problem": "analyzer.model",
    "RunPlan": "analyzer.plan",
    "plan_run": "analyzer.plan",
    "plot_run": "analyzer.plots.run",
    "plot_weekly_distance": "analyzer.plots.season",
    "plot_cramp_runs_vs_others": "analyzer.plots.season",
    "plot_cramp_timeline": "analyzer.plots.season",
    "team_table": "analyzer.tables",
    "season_records": "analyzer.tables",
    "cramp_window": "analyzer.tables",
    "get_open_meteo_hourly": "analyzer.weather.open_meteo",
    "parse_open_meteo": "analyzer.weather.open_meteo",
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
    "ArchiveError",
    "FitError",
    "FitHeaderError",
    "FitTruncatedError",
    "FitWarning",
    "Flag",
    "FolderNotFoundError",
    "InputError",
    "NotFitError",
    "Problem",
    "ReportResult",
    "RunPlan",
    "ThresholdError",
    "analyze",
    "cramp_window",
    "format_duration",
    "format_pace",
    "format_utc_offset",
    "get_open_meteo_hourly",
    "heat_index_c",
    "load_athlete",
    "load_team",
    "log_cramp",
    "LoggedCramp",
    "match_cramps",
    "parse_open_meteo",
    "plan_run",
    "plot_cramp_runs_vs_others",
    "plot_cramp_timeline",
    "plot_run",
    "plot_weekly_distance",
    "read_export",
    "read_fit",
    "read_gpx",
    "read_tcx",
    "readable",
    "read_activity",
    "read_activity_folder",
    "read_fit_folder",
    "run_report",
    "season_records",
    "suggest_cramps",
    "team_table",
    "__version__",
]

"""Why do the cramps come? Line a runner's cramp log up against their watch data.

The public API, and nothing else::

    import analyzer
    act = analyzer.read_fit("run.fit")
"""

from analyzer.errors import AnalyzerError, FitError, InputError
from analyzer.io.fit import FitWarning, read_fit, read_fit_folder
from analyzer.model import Activity, Problem

__version__ = "0.1.0"

__all__ = [
    "Activity",
    "AnalyzerError",
    "FitError",
    "FitWarning",
    "InputError",
    "Problem",
    "read_fit",
    "read_fit_folder",
    "__version__",
]

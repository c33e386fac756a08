"""Figures: matplotlib Figures returned to the caller (never saved here).

As with pandas and seaborn, a figure is made with pyplot (``plt.figure``), so it is shown by
``plt.show()``, in a loop, and by Jupyter's inline backend at the end of a cell; or it is drawn
into the caller's own axes (``ax=``) or figure (``fig=``, a Figure or SubFigure, for the run's three
panels), so two athletes can sit side by side in one figure. The report draws its figures inside
:func:`detached_figures`, which makes plain Figures that pyplot never holds (a batch keeps no
global figure state). In Jupyter a figure that pyplot will show at the end of the cell is not shown
twice: showing it (as the cell's value) closes it in pyplot, as the inline backend does after its
own display at the end of the cell.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
from collections.abc import Iterator

_DETACHED: contextvars.ContextVar[bool] = contextvars.ContextVar("analyzer_detached_figures", default=False)


@contextlib.contextmanager
def detached_figures() -> Iterator[None]:
    """Within this block (or a function decorated with it) new figures are plain matplotlib Figures,
    not registered with pyplot: for batch use, where nothing is shown and nothing must pile up."""
    token = _DETACHED.set(True)
    try:
        yield
    finally:
        _DETACHED.reset(token)


def new_figure(figsize: tuple[float, float], fig=None):
    """The figure to draw into: ``fig`` when given (a Figure or SubFigure), else a new one, made
    with pyplot unless inside :func:`detached_figures`."""
    if fig is not None:
        from matplotlib.figure import FigureBase

        if not isinstance(fig, FigureBase):
            raise TypeError(f"fig must be a matplotlib Figure or SubFigure, not {type(fig).__name__}")
        return fig
    if _DETACHED.get():
        from matplotlib.figure import Figure

        return Figure(figsize=figsize, layout="constrained")
    import matplotlib.pyplot as plt

    made = plt.figure(figsize=figsize, layout="constrained")
    _enable_notebook_display()  # after pyplot's backend, which may register its own formatter
    return made


def new_axes(figsize: tuple[float, float], ax=None):
    """``(figure, axes)`` to draw one panel into: the caller's ``ax``, or a new figure's only axes."""
    if ax is not None:
        from matplotlib.axes import Axes

        if not isinstance(ax, Axes):
            raise TypeError(f"ax must be a matplotlib Axes, not {type(ax).__name__}")
        return ax.figure, ax
    fig = new_figure(figsize)
    return fig, fig.subplots()


def plain_text(text: str) -> str:
    """Text shown as written in a figure: matplotlib reads ``$…$`` as math, so ``$`` is escaped
    (a note "Paid $5 and $6" must not turn into italics)."""
    return str(text).replace("$", r"\$")


def _figure_png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    if _shown_by_pyplot(fig):  # shown now (as the cell's value): pyplot's end-of-cell display skips it
        import matplotlib.pyplot as plt

        plt.close(fig)
    return buf.getvalue()


def _shown_by_pyplot(fig) -> bool:
    """Whether pyplot's inline backend holds ``fig`` and will show it at the end of the cell."""
    import sys

    if "matplotlib.pyplot" not in sys.modules:
        return False
    import matplotlib
    from matplotlib._pylab_helpers import Gcf

    if "inline" not in str(matplotlib.get_backend()):
        return False
    return any(manager.canvas.figure is fig for manager in Gcf.get_all_fig_managers())


def _enable_notebook_display() -> None:
    import sys

    if "IPython" not in sys.modules:  # not in a notebook or IPython shell: nothing to hook (and no 0.1 s import)
        return
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    from matplotlib.figure import Figure

    shell.display_formatter.formatters["image/png"].for_type(Figure, _figure_png)


_enable_notebook_display()

"""Figures: matplotlib Figures returned to the caller (never shown or saved here).

Figures are built without pyplot, so batch runs keep no global figure state. In Jupyter,
where pyplot's inline backend may not be active, a PNG formatter for Figure is registered
so that a returned figure shows as a picture.
"""

from __future__ import annotations

import io


def plain_text(text: str) -> str:
    """Text shown as written in a figure: matplotlib reads ``$…$`` as math, so ``$`` is escaped
    (a note "Paid $5 and $6" must not turn into italics)."""
    return str(text).replace("$", r"\$")


def _figure_png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return buf.getvalue()


def _enable_notebook_display() -> None:
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

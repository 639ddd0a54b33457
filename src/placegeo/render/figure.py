"""A matplotlib Figure that Jupyter shows inline on its own, without pyplot or ``%matplotlib inline``.

placegeo never imports pyplot (no global state, no GUI backend), so a plain Figure would display as
``<Figure size ...>``. IPython shows any object with a ``_repr_png_`` method as an image; when the inline
backend is active its own Figure formatter still takes precedence.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

NOTEBOOK_DPI = 100


class MapFigure(Figure):
    """The Figure ``placegeo.map`` returns: a matplotlib Figure that displays itself in notebooks."""

    def _repr_png_(self) -> bytes:
        """The map as PNG bytes at screen resolution (what Jupyter shows)."""
        from placegeo.render import pages

        buffer = io.BytesIO()
        pages.save_figure(self, buffer, "png", NOTEBOOK_DPI, "placegeo map")
        return buffer.getvalue()


def as_map_figure(fig: Figure) -> MapFigure:
    """Give an existing Figure (made by :func:`placegeo.render.pages.new_figure`) the notebook display."""
    if not isinstance(fig, MapFigure):
        fig.__class__ = MapFigure
    return fig

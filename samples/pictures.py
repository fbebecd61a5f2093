"""What the samples share to draw their pictures: a figure of two panels, a log-scale
curve of the error by iteration, saving. Without matplotlib the samples still run and say
how to get the pictures."""

from __future__ import annotations

import tempfile
from pathlib import Path

# Where a sample's picture goes unless --plot says: outside the repository, so that running
# a sample leaves the clone as it was (`make pictures` refreshes the committed ones).
OUTSIDE = Path(tempfile.gettempdir()) / "s2s_ad_samples"


def default_plot(name: str) -> Path:
    """The default --plot path of the picture `name`."""
    return OUTSIDE / name


NO_MATPLOTLIB = (
    "matplotlib is not installed: no plot (pip install matplotlib; in a clone of s2s_ad, "
    "pip install -e '.[samples]' installs what every sample needs)"
)


def pyplot():
    """matplotlib.pyplot writing files only (no display needed), or None when matplotlib is
    not installed (after saying so)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(NO_MATPLOTLIB)
        return None
    return plt


def two_panels():
    """(figure, (left, right)) from matplotlib, or None when it is not installed."""
    plt = pyplot()
    return None if plt is None else plt.subplots(1, 2, figsize=(10, 4.2))


def error_curve(axes, history: list[float], xlabel: str, ylabel: str, title: str) -> None:
    axes.plot(history)
    axes.set_yscale("log")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)


def save(figure, path: Path) -> None:
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    print(f"saved {path}")

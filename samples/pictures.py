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


def two_panels():
    """(figure, (left, right)) from matplotlib, or None when it is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install -e '.[samples]')")
        return None
    return plt.subplots(1, 2, figsize=(10, 4.2))


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

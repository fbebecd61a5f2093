"""Draw `benchmarks/results.md` (written by `make bench` / `make bench-peers`) as a chart.

Run: `.venv/bin/python benchmarks/chart.py` (needs matplotlib: the `samples` extra). Bars
are time / plain function time on a log scale, one group per workload.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
TOOLS = ["hand-written", "s2s_ad reverse", "tangent-ad", "autograd", "PyTorch eager",
         "JAX eager", "JAX jit"]  # fmt: skip


def read_table(path: Path) -> tuple[list[str], dict[str, dict[str, float]]]:
    """The first table of `path` (the gradients'; the Hessians' and others follow it)."""
    text = path.read_text().splitlines()
    start = next(i for i, line in enumerate(text) if line.startswith("| "))
    end = next((i for i in range(start, len(text)) if not text[i].startswith("|")), len(text))
    lines = [line for line in text[start:end] if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[1:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = {h: float(c) for h, c in zip(header[1:], cells[1:], strict=True) if c}
    return header, rows


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, rows = read_table(HERE / "results.md")
    workloads = [name for name, values in rows.items() if "s2s_ad reverse" in values]
    tools = [t for t in TOOLS if any(t in rows[w] for w in workloads)]
    width = 0.8 / len(tools)
    fig, ax = plt.subplots(figsize=(12, 5))
    for k, tool in enumerate(tools):
        heights = [rows[w].get(tool, np.nan) for w in workloads]
        ax.bar(np.arange(len(workloads)) + k * width, heights, width, label=tool)
    ax.set_yscale("log")
    ax.axhline(1.0, color="k", linewidth=0.8)
    ax.set_xticks(np.arange(len(workloads)) + 0.4 - width / 2, workloads, rotation=20, ha="right")
    ax.set_ylabel("gradient time / plain function time")
    ax.set_title("Gradient cost, one run of make bench-peers (lower is better)")
    ax.legend(ncol=4, fontsize=8)
    fig.tight_layout()
    fig.savefig(HERE / "results.png", dpi=110)
    print(f"saved {HERE / 'results.png'}")


if __name__ == "__main__":
    main()

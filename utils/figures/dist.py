"""The figures of notebook 11 (training on several machines), drawn with matplotlib.

Each function returns the Figure it drew, with a title and axis labels.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from utils.checks import count

PUSH, PULL, CONTROL = "tab:red", "tab:blue", "0.55"


def _box(ax, x: float, y: float, text: str, color: str, width: float = 2.6) -> None:
    ax.add_patch(
        FancyBboxPatch((x - width / 2, y - 0.45), width, 0.9, boxstyle="round,pad=0.08",
                       facecolor=color, edgecolor="0.3")
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=9)


def _arrow(ax, start: tuple, end: tuple, color: str, label: str = "", side: int = 0) -> None:
    """An arrow from `start` to `end`; `label` beside its middle, left (-1) or right (+1)."""
    ax.annotate("", xy=end, xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.6,
                            "shrinkA": 2, "shrinkB": 2})
    if label:
        mx, my = (start[0] + end[0]) / 2 + 0.15 * side, (start[1] + end[1]) / 2
        ax.text(mx, my, label, color=color, fontsize=9, va="center",
                ha="right" if side < 0 else "left",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})


def draw_parameter_server(num_workers: int = 2, num_servers: int = 1) -> Figure:
    """Draw one `dist_sync` training step: scheduler, servers, workers, push and pull.

    Servers sit in the top row, workers in the bottom row, the scheduler on the left.
    Red arrows are the gradients each worker pushes to every server (each server
    holds a part of the keys), blue arrows the weights it pulls back, grey dashed
    lines the scheduler's connections (addresses and barriers only, no data).
    Numbers 1-4 mark the order of one step. Counts below 1 are a `ValueError`.
    Introduced in notebooks/11_training_on_several_machines.ipynb.
    """
    num_workers, num_servers = count(num_workers, "num_workers"), count(num_servers, "num_servers")
    span = 3.4 * max(num_workers, num_servers)
    fig, ax = plt.subplots(figsize=(3.5 + 1.9 * max(num_workers, num_servers), 4.6))
    xs_w = [span * (i + 0.5) / num_workers for i in range(num_workers)]
    xs_s = [span * (i + 0.5) / num_servers for i in range(num_servers)]
    y_s, y_w, x_sched = 3.0, 0.0, -2.6
    _box(ax, x_sched, 1.5, "scheduler\n(rank table,\nbarriers)", "0.9", width=2.0)
    for j, x in enumerate(xs_s):
        _box(ax, x, y_s, f"server {j}\nweights, optimizer\n3: add, update", "#f5d6a8")
        ax.plot([x_sched + 1.0, x - 1.3], [1.5, y_s], color=CONTROL, ls="--", lw=0.8)
    for i, x in enumerate(xs_w):
        _box(ax, x, y_w, f"worker {i}\n1: forward, backward\non shard {i}", "#cfe3c4")
        ax.plot([x_sched + 1.0, x - 1.3], [1.5, y_w], color=CONTROL, ls="--", lw=0.8)
        for j, xs in enumerate(xs_s):
            first = i == 0 and j == 0
            last = i == num_workers - 1 and j == num_servers - 1
            _arrow(ax, (x - 0.3, y_w + 0.55), (xs - 0.3, y_s - 0.55), PUSH,
                   "2: push gradients" if first else "", side=-1)
            _arrow(ax, (xs + 0.3, y_s - 0.55), (x + 0.3, y_w + 0.55), PULL,
                   "4: pull weights" if last else "", side=1)
    ax.set_xlim(x_sched - 1.3, span + 0.4)
    ax.set_ylim(-0.9, 3.9)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("processes (one box each; here all on 127.0.0.1, on a cluster one per host)")
    ax.set_ylabel("workers (bottom), servers (top)")
    ax.set_title(
        f"One dist_sync step: {num_workers} workers, {num_servers} server"
        f"{'s' if num_servers > 1 else ''} and a scheduler"
    )
    fig.tight_layout()
    return fig


def plot_epoch_times(
    seconds: Mapping[str, float],
    title: str,
    ranges: Mapping[str, tuple[float, float]] | None = None,
) -> Figure:
    """Bar chart of seconds per training epoch, one bar per way of training.

    `seconds` maps a label to a positive number of seconds (the mean epoch); each bar is
    annotated with its value, grey for labels starting "one process", green for the
    others (clusters). `ranges`, if given, maps every label to the (shortest, longest)
    epoch behind its bar, drawn as a black line from one to the other. An empty mapping,
    a value <= 0, or ranges for other labels or not enclosing their value are a
    `ValueError`. Introduced in notebooks/11_training_on_several_machines.ipynb.
    """
    if not seconds or min(seconds.values()) <= 0:
        raise ValueError(f"need positive times, got {dict(seconds)!r}")
    if ranges is not None:
        if set(ranges) != set(seconds):
            raise ValueError(f"ranges must have the labels {list(seconds)}, got {list(ranges)}")
        outside = [k for k, (low, high) in ranges.items() if not low <= seconds[k] <= high]
        if outside:
            raise ValueError(f"the ranges of {outside} do not enclose their values")
    fig, ax = plt.subplots(figsize=(7, 3.6))
    labels, values = list(seconds), list(seconds.values())
    colors = ["tab:gray" if label.startswith("one process") else "tab:green" for label in labels]
    bars = ax.bar(range(len(values)), values, color=colors)
    top = max(values)
    if ranges is not None:
        lows = [values[i] - ranges[label][0] for i, label in enumerate(labels)]
        highs = [ranges[label][1] - values[i] for i, label in enumerate(labels)]
        ax.errorbar(range(len(values)), values, yerr=[lows, highs], fmt="none", ecolor="black",
                    capsize=4, lw=1.2)
        top = max(high for _, high in ranges.values())
    for bar, label, value in zip(bars, labels, values, strict=True):
        above = ranges[label][1] + 0.02 * top if ranges is not None else value
        ax.text(bar.get_x() + bar.get_width() * 0.5, above, f"{value:.2f} s", ha="center",
                va="bottom", fontsize=9)
    ax.set_xticks(range(len(values)), labels)
    ax.set_ylim(0, top * 1.25)
    ax.set_xlabel("how the epoch was computed")
    ax.set_ylabel("seconds per epoch")
    ax.set_title(title)
    fig.tight_layout()
    return fig

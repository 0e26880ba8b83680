"""Time four ways of computing a 2-D convolution (run by `make bench`).

The implementations are the article's Python loop `corr2d`, `utils.conv.corr2d`,
`utils.fast.conv2d` and MXNet's built-in `nd.Convolution` (oneDNN). Two workloads:

(a) one 224x224 channel with a 3x3 kernel, no padding (the article's setting);
(b) a realistic layer: batch 8, 64 -> 64 channels, 56x56, 3x3 kernel, padding 1,
    with bias.

Everything runs in one process under the same OpenMP thread count, which is set
(`--threads`, default 2, this machine's cores) before MXNet is imported. The
benchmark measures the machine as it is: `make bench` turns off the numerics pin
that the notebooks run under (tools/pin.py: AVX2 kernels, one thread), so oneDNN
and OpenBLAS use the best kernels this CPU has. The header says which applied. Each
implementation is warmed up, then timed in interleaved rounds (so a burst of
load from elsewhere hits all of them alike) and summarised by the median. The
table gives each median, its ratio to `nd.Convolution` and the achieved
GFLOP/s (2 x multiply-adds / time); the same figures go to a JSON file so later
runs can be compared. Entries marked "est." are extrapolated from a timed
sample, because running them in full would take minutes to hours.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "bench_conv.json"
TARGET_RATIO = 2.0  # utils.fast.conv2d should stay within 2x of nd.Convolution on layer (b)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--threads", type=int, default=2, help="OpenMP threads for MXNet, both sides (default: 2)"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=40,
        help="timed rounds for the fast implementations (default: 40)",
    )
    parser.add_argument("--warmup", type=int, default=5, help="untimed calls first (default: 5)")
    parser.add_argument(
        "--loop-repeats",
        type=int,
        default=1,
        help="timed calls of the article's loop on 224x224; one call is "
        "already 49,284 Python iterations (default: 1)",
    )
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"output file ({RESULTS})")
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit with status 1 if the layer (b) ratio is above {TARGET_RATIO}",
    )
    args = parser.parse_args(argv)
    if args.threads < 1 or args.repeats < 1 or args.warmup < 0 or args.loop_repeats < 1:
        parser.error("--threads, --repeats and --loop-repeats must be >= 1, --warmup >= 0")
    return args


def article_corr2d(X, K):
    """The source article's cross-correlation: one Python iteration per output element."""
    from mxnet import nd

    h, w = K.shape
    Y = nd.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + h, j : j + w] * K).sum()
    return Y


def time_rounds(fns: dict[str, Callable], repeats: int, warmup: int) -> dict[str, list[float]]:
    """Seconds per call of each function, timed in interleaved rounds after a warm-up.

    MXNet runs operators asynchronously, so each call is followed by a wait on its
    result, and the engine is drained before the clock starts.
    """
    from mxnet import nd

    for fn in fns.values():
        for _ in range(warmup):
            fn().wait_to_read()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            nd.waitall()
            start = time.perf_counter()
            fn().wait_to_read()
            times[name].append(time.perf_counter() - start)
    return times


def entry(seconds: list[float], scale: float, macs: int, note: str = "") -> dict:
    """A result row: median time of one full workload (sample median times `scale`)."""
    median = statistics.median(seconds) * scale
    return {
        "median_ms": median * 1e3,
        "gflops": 2 * macs / median / 1e9,
        "repeats": len(seconds),
        "estimated": scale != 1,
        "note": note,
    }


def bench_single_channel(args, nd, utils) -> dict:
    """Workload (a): one 224x224 channel, 3x3 kernel, no padding."""
    X = nd.random.uniform(shape=(224, 224))
    K = nd.random.uniform(shape=(3, 3))
    X4, K4 = X.reshape((1, 1, 224, 224)), K.reshape((1, 1, 3, 3))
    macs = 222 * 222 * 9
    builtin = nd.Convolution(X4, K4, kernel=(3, 3), num_filter=1, no_bias=True)[0, 0]
    for fn in (utils.conv.corr2d(X, K), utils.fast.conv2d(X4, K4)[0, 0]):
        assert abs(fn - builtin).max().asscalar() < 1e-4, "implementations disagree"
    article_corr2d(X[:8, :8], K).wait_to_read()  # warm-up on a small input
    loop = time_rounds({"loop": lambda: article_corr2d(X, K)}, args.loop_repeats, 0)["loop"]
    fast = time_rounds(
        {
            "utils.conv.corr2d": lambda: utils.conv.corr2d(X, K),
            "utils.fast.conv2d": lambda: utils.fast.conv2d(X4, K4),
            "nd.Convolution": lambda: nd.Convolution(
                X4, K4, kernel=(3, 3), num_filter=1, no_bias=True
            ),
        },
        args.repeats,
        args.warmup,
    )
    rows = {"article loop corr2d": entry(loop, 1, macs, "49,284 Python iterations per call")}
    rows.update({name: entry(t, 1, macs) for name, t in fast.items()})
    return {"workload": "one 224x224 channel, 3x3 kernel, no padding", "macs": macs, "rows": rows}


def bench_layer(args, nd, utils, loop_seconds_per_window: float) -> dict:
    """Workload (b): batch 8, 64 -> 64 channels, 56x56, 3x3, padding 1, with bias."""
    n, c_in, c_out, size = 8, 64, 64, 56
    X = nd.random.normal(shape=(n, c_in, size, size))
    W = nd.random.normal(shape=(c_out, c_in, 3, 3))
    b = nd.random.normal(shape=(c_out,))
    macs = n * c_out * size * size * c_in * 9
    pairs = n * c_out * c_in  # single-channel cross-correlations the layer is made of

    def builtin():
        return nd.Convolution(X, W, b, kernel=(3, 3), pad=(1, 1), num_filter=c_out)

    assert abs(utils.fast.conv2d(X, W, b, padding=1) - builtin()).max().asscalar() < 1e-3

    def one_output_channel():
        # utils.conv.corr2d handles one channel pair at a time: one image and one output
        # channel need c_in calls; the whole layer needs n * c_out times as many.
        terms = [utils.conv.corr2d(X[0, c], W[0, c], padding=1) for c in range(c_in)]
        return nd.add_n(*terms) + b[0]

    fast = time_rounds(
        {
            "utils.fast.conv2d": lambda: utils.fast.conv2d(X, W, b, padding=1),
            "nd.Convolution": builtin,
        },
        args.repeats,
        args.warmup,
    )
    sample = time_rounds({"corr2d": one_output_channel}, max(3, args.repeats // 8), 1)["corr2d"]
    windows = pairs * size * size
    rows = {
        "article loop corr2d": entry(
            [loop_seconds_per_window * windows],
            1,
            macs,
            f"not run: {windows:,} Python iterations; est. from the 224x224 run's time per "
            "iteration",
        ),
        "utils.conv.corr2d": entry(
            sample,
            n * c_out,
            macs,
            f"{pairs:,} calls; est. from timing the {c_in} calls of one output channel",
        ),
    }
    rows["article loop corr2d"]["estimated"] = True
    rows.update({name: entry(t, 1, macs) for name, t in fast.items()})
    # Each round times both back to back, so the ratio within a round is free of the
    # machine's slower drifts (other load, frequency changes); its median is the
    # figure the target is about.
    paired = [ours / theirs for ours, theirs in zip(*fast.values(), strict=True)]
    return {
        "workload": "batch 8, 64 -> 64 channels, 56x56, 3x3 kernel, padding 1, bias",
        "macs": macs,
        "rows": rows,
        "conv2d_paired_ratio_median": statistics.median(paired),
        "conv2d_paired_ratio_quartiles": statistics.quantiles(paired, n=4)[::2],
    }


def add_ratios(result: dict) -> None:
    base = result["rows"]["nd.Convolution"]["median_ms"]
    for row in result["rows"].values():
        row["ratio"] = row["median_ms"] / base


def print_table(label: str, result: dict) -> None:
    print(f"\n({label}) {result['workload']}: {result['macs'] / 1e6:,.1f} M multiply-adds")
    print(f"  {'implementation':<21} {'median':>14} {'/ nd.Convolution':>17} {'GFLOP/s':>9}  note")
    for name, row in result["rows"].items():
        ms = row["median_ms"]
        shown = f"{ms / 1e3:,.1f} s" if ms >= 1e4 else f"{ms:,.2f} ms"
        if row["estimated"]:
            shown = "est. " + shown
        note = row["note"] or f"(median of {row['repeats']})"
        ratio = f"{row['ratio']:,.2f}x" if row["ratio"] < 100 else f"{row['ratio']:,.0f}x"
        print(f"  {name:<21} {shown:>14} {ratio:>17} {row['gflops']:>9.3g}  {note}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # OpenMP reads its thread count once, when MXNet's library loads: set it first.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import mxnet as mx
    import numpy as np
    from mxnet import nd

    import utils.conv
    import utils.fast

    mx.random.seed(0)
    print(
        f"mxnet {mx.__version__}, numpy {np.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs ({platform.machine()})"
    )
    print(
        f"threads: OMP_NUM_THREADS={args.threads} for every implementation (same process); "
        f"{args.warmup} warm-up calls, medians of {args.repeats} interleaved rounds"
    )
    cap = os.environ.get("DNNL_MAX_CPU_ISA")
    blas = os.environ.get("OPENBLAS_CORETYPE")
    print(
        "kernels: oneDNN "
        + (f"capped at {cap}" if cap else "uncapped (the CPU's best)")
        + ", OpenBLAS "
        + (f"forced to {blas}" if blas else "chosen for this CPU")
        + ("" if not (cap or blas) else "  [pinned: run `make bench` to time the machine as it is]")
    )

    a = bench_single_channel(args, nd, utils)
    per_window = a["rows"]["article loop corr2d"]["median_ms"] / 1e3 / (222 * 222)
    b = bench_layer(args, nd, utils, per_window)
    for label, result in (("a", a), ("b", b)):
        add_ratios(result)
        print_table(label, result)

    ratio = b["conv2d_paired_ratio_median"]
    low, high = b["conv2d_paired_ratio_quartiles"]
    met = ratio <= TARGET_RATIO
    print(
        f"\n(b) utils.fast.conv2d / nd.Convolution, round by round: median {ratio:.2f} "
        f"(quartiles {low:.2f} to {high:.2f}); ratio of the medians above: "
        f"{b['rows']['utils.fast.conv2d']['ratio']:.2f}"
    )
    print(
        f"target (issue 6): median ratio on (b) <= {TARGET_RATIO}: "
        f"{ratio:.2f} -> {'met' if met else 'NOT met'}"
    )
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "mxnet": mx.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "omp_num_threads": args.threads,
        "dnnl_max_cpu_isa": os.environ.get("DNNL_MAX_CPU_ISA"),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "repeats": args.repeats,
        "warmup": args.warmup,
        "target_ratio": TARGET_RATIO,
        "target_met": met,
        "a": a,
        "b": b,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"figures written to {args.json}")
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())

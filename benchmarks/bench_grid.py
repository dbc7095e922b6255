"""Time and memory of a Table-1 grid run, measured on a random sample and extrapolated.

    python benchmarks/bench_grid.py [--fraction 0.05] [--n-real 2000] [--workers 2]

Runs ``crelike.simulate.grid.run_grid`` (Dask LocalCluster, ``method="fast"``) on a
random ``fraction`` of the 6750 Table-1 points into a temporary folder, samples the
summed resident memory of the whole process tree (client, scheduler, workers) every
0.2 s, and extrapolates the wall time to the full grid.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

from crelike.params import table1_grid
from crelike.simulate.grid import run_grid


class PeakMemory:
    """Peak summed RSS [bytes] of this process and all its descendants, sampled in a thread."""

    def __init__(self, interval: float = 0.2) -> None:
        self.peak, self._stop, self._interval = 0, threading.Event(), interval
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(self._interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--fraction", type=float, default=0.05)
    ap.add_argument("--n-real", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--method", default="fast")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    grid = table1_grid()
    rng = np.random.default_rng(args.seed)
    n_sample = int(np.ceil(args.fraction * len(grid)))
    sample = grid[np.sort(rng.choice(len(grid), n_sample, replace=False))]
    with tempfile.TemporaryDirectory() as tmp, PeakMemory() as mem:
        t0 = time.perf_counter()
        report = run_grid(
            sample,
            args.n_real,
            Path(tmp) / "grid",
            method=args.method,
            workers=args.workers,
            seed=args.seed,
            progress=True,
        )
        wall = time.perf_counter() - t0
        size = sum(f.stat().st_size for f in (Path(tmp) / "grid").glob("*.h5"))
    per_point = wall / n_sample
    print(report.summary())
    print(
        f"sample: {n_sample} of {len(grid)} points ({args.fraction:.1%}), n_real={args.n_real}, "
        f"method={args.method}, workers={args.workers}"
    )
    print(f"wall time: {wall:.1f} s ({per_point:.3f} s per point incl. cluster start)")
    print(f"full Table-1 grid extrapolated: {per_point * len(grid) / 60:.1f} min")
    print(f"peak memory (all processes): {mem.peak / 2**30:.2f} GiB")
    print(
        f"disk: {size / n_sample / 2**10:.0f} KiB per point -> "
        f"{size / n_sample * len(grid) / 2**30:.2f} GiB for the full grid"
    )


if __name__ == "__main__":
    main()

"""The grid runner: ensembles over a parameter grid, one HDF5 file per point, on Dask.

Layout of an output folder::

    DIR/grid.json          manifest: points, n_real and settings (written first, atomically)
    DIR/grid.lock          held (flock) while a runner works in DIR
    DIR/point_00000.h5     one ensemble per grid point (crelike.data format)
    DIR/point_00001.h5 ...

Each point's seed is :func:`point_seed` ``(seed, index)``, so a point's data depend only
on the settings and its index, never on scheduling or on the number of workers.  Files
appear atomically (see :func:`crelike.data.write_ensemble`), so a run killed at any
moment, even by SIGKILL, leaves only complete point files and stray temp files; a rerun
with the same settings deletes the temp files, re-validates existing points, and
simulates only what is missing or invalid.
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import datetime as _dt
import functools
import itertools
import json
import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from crelike._version import __version__
from crelike.data.ensembles import (
    EnsembleFile,
    EnsembleFormatError,
    read_ensemble,
    write_ensemble,
)
from crelike.params import PARAM_NAMES, as_params, table1_grid

#: Manifest file name inside an output folder.
MANIFEST_NAME = "grid.json"
#: Lock file name inside an output folder.
LOCK_NAME = "grid.lock"
#: ``format`` entry of the manifest.
GRID_FORMAT = "crelike-grid"
#: Manifest format version.
GRID_FORMAT_VERSION = 1
#: Manifest entries that must agree between a run and the folder it resumes.
SETTING_KEYS: tuple[str, ...] = (
    "points",
    "n_real",
    "method",
    "losses",
    "spatial",
    "z_max",
    "energies",
    "seed",
)

log = logging.getLogger(__name__)


class GridLockedError(RuntimeError):
    """Another runner holds the lock on the output folder."""


def point_filename(index: int) -> str:
    """File name of grid point ``index`` (``point_00042.h5``)."""
    return f"point_{index:05d}.h5"


def point_seed(seed: int, index: int) -> int:
    """Seed of grid point ``index`` for a run with base ``seed``.

    Parameters
    ----------
    seed
        Base seed of the run (non-negative).
    index
        Row of the point in the grid (non-negative).

    Returns
    -------
    int
        A seed in [0, 2⁶³), from ``numpy.random.SeedSequence(seed, spawn_key=(index,))``:
        independent streams per point, reproducible whatever the scheduling.
    """
    if seed < 0 or index < 0:
        raise ValueError(f"seed and index must be non-negative, got {seed}, {index}")
    state = np.random.SeedSequence(int(seed), spawn_key=(int(index),)).generate_state(
        1, dtype=np.uint64
    )
    # Keep it within int64 so it fits an HDF5 attribute and torch.Generator.manual_seed.
    return int(state[0] >> np.uint64(1))


# ------------------------------------------------------------------------ grid points


def _read_csv_points(path: Path) -> np.ndarray:
    with path.open(newline="") as fh:
        rows = [
            (lineno, [c.strip() for c in row])
            for lineno, row in enumerate(csv.reader(fh), start=1)
            if row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#")
        ]
    if not rows:
        raise ValueError(f"{path}: empty grid file (expected a header {','.join(PARAM_NAMES)})")
    _, header = rows[0]
    unknown = [c for c in header if c not in PARAM_NAMES]
    missing = [c for c in PARAM_NAMES if c not in header]
    if unknown or missing or len(header) != len(PARAM_NAMES):
        parts = []
        if unknown:
            parts.append(f"unknown column(s) {', '.join(repr(c) for c in unknown)}")
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if not parts:
            parts.append("duplicate column(s)")
        raise ValueError(
            f"{path}: bad header ({'; '.join(parts)}); expected exactly {','.join(PARAM_NAMES)}"
        )
    order = [header.index(name) for name in PARAM_NAMES]
    points = []
    for lineno, row in rows[1:]:
        if len(row) != len(header):
            raise ValueError(f"{path}, line {lineno}: expected 5 values, got {len(row)}")
        values = []
        for name, j in zip(PARAM_NAMES, order, strict=True):
            try:
                values.append(float(row[j]))
            except ValueError:
                raise ValueError(
                    f"{path}, line {lineno}: {name} = {row[j]!r} is not a number"
                ) from None
        try:
            points.append(as_params(values))
        except ValueError as err:
            raise ValueError(f"{path}, line {lineno}: {err}") from None
    if not points:
        raise ValueError(f"{path}: no grid points after the header")
    return np.array(points, dtype=np.float64)


def grid_points(grid: str | os.PathLike) -> np.ndarray:
    """Resolve a grid specification to its points.

    Parameters
    ----------
    grid
        ``"table1"`` (the paper's 6750 training points), ``"table1-offset"`` (the 2560
        cell centres, for validation) or the path of a CSV file whose header names
        exactly ``sn_rate,log10_ecut,gamma,delta,kappa0`` (any order; blank lines and
        lines starting with ``#`` are ignored).

    Returns
    -------
    numpy.ndarray
        float64 ``(n_points, 5)`` in :data:`crelike.params.PARAM_NAMES` order and units.

    Raises
    ------
    ValueError
        For an unknown name, a missing file, a bad header (naming the bad columns) or a
        bad row (naming the line and the parameter).
    """
    text = os.fspath(grid)
    if text == "table1":
        return table1_grid(offset=False)
    if text == "table1-offset":
        return table1_grid(offset=True)
    path = Path(text)
    if not path.is_file():
        raise ValueError(
            f"grid {text!r} is neither 'table1', 'table1-offset' nor an existing CSV file"
        )
    return _read_csv_points(path)


def _check_points(points: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 5 or pts.shape[0] < 1:
        raise ValueError(f"points must have shape (n >= 1, 5), got {pts.shape}")
    for i, row in enumerate(pts):
        try:
            as_params(row)
        except ValueError as err:
            raise ValueError(f"grid point {i}: {err}") from None
    return pts


# --------------------------------------------------------------------------- manifest


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        with tmp.open("w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _manifest_diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    diff = []
    for key in SETTING_KEYS:
        a, b = old.get(key), new[key]
        if key in ("points", "energies"):
            try:
                same = np.array_equal(np.asarray(a, dtype=np.float64), np.asarray(b))
            except (TypeError, ValueError):
                same = False
        else:
            same = a == b
        if not same:
            diff.append(key)
    return diff


def _prepare_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    path = out_dir / MANIFEST_NAME
    if path.exists():
        try:
            old = json.loads(path.read_text())
        except (OSError, ValueError) as err:
            raise ValueError(
                f"{path}: unreadable manifest ({err}); delete it (and the folder's point "
                "files if they are not wanted) to start over"
            ) from None
        if old.get("format") != GRID_FORMAT:
            raise ValueError(f"{path}: not a crelike grid manifest")
        diff = _manifest_diff(old, manifest)
        if diff:
            raise ValueError(
                f"{out_dir} holds a grid run with different settings ({', '.join(diff)} "
                "differ); use another --out folder or the original settings"
            )
        if old.get("crelike_version") != __version__:
            log.warning(
                "%s was started with crelike %s, resuming with %s",
                out_dir,
                old.get("crelike_version"),
                __version__,
            )
        return
    _atomic_write_text(path, json.dumps(manifest, indent=1) + "\n")


@contextlib.contextmanager
def _folder_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive flock on DIR/grid.lock (freed by the OS even after SIGKILL)."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one runner per folder is on the user
        yield
        return
    with (out_dir / LOCK_NAME).open("a") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise GridLockedError(f"another crelike grid run is using {out_dir}") from None
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# ------------------------------------------------------------------------------ tasks


def _simulate_fn() -> Any:
    import crelike

    fn = getattr(crelike, "simulate", None)
    if not callable(fn):
        raise ImportError("crelike.simulate (the simulator function) is not available")
    return fn


def simulate_point(
    index: int,
    theta: Sequence[float],
    n_real: int,
    out_path: str,
    *,
    method: str,
    losses: str,
    spatial: str,
    z_max: float,
    energies: Sequence[float],
    seed: int,
) -> tuple[int, float]:
    """Simulate grid point ``index`` and write its file (runs on a Dask worker).

    Parameters
    ----------
    index
        Row of the point in the grid.
    theta
        The point (5 floats, :data:`crelike.params.PARAM_NAMES` order).
    n_real
        Number of realisations.
    out_path
        Final file name.
    method, losses, spatial, z_max, energies
        Passed to :func:`crelike.simulate` (``z_max`` in kpc, ``energies`` in GeV).
    seed
        The base seed of the run; the point uses :func:`point_seed` ``(seed, index)``.

    Returns
    -------
    tuple
        ``(index, wall time [s])``.
    """
    # One core per task: Dask provides the parallelism, and torch's own thread pool
    # would oversubscribe the worker's core.
    torch.set_num_threads(1)
    _keep_freed_memory()
    t0 = time.perf_counter()
    pseed = point_seed(seed, index)
    e = np.asarray(energies, dtype=np.float64)
    settings = {
        "energies": e,
        "method": method,
        "losses": losses,
        "spatial": spatial,
        "z_max": z_max,
        "seed": pseed,
    }
    flux = _simulate_fn()(list(theta), int(n_real), progress=False, **settings)
    write_ensemble(
        out_path,
        flux,
        theta=theta,
        extra_attrs={"grid_index": np.int64(index), "grid_seed": np.int64(seed)},
        **settings,
    )
    return index, time.perf_counter() - t0


@functools.lru_cache(maxsize=1)
def _keep_freed_memory() -> None:
    """Let glibc keep freed memory for reuse in this (worker) process.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536`` so that they
    return memory to the OS eagerly; the simulator allocates and frees many
    sub-megabyte tensors, and that setting made every block page-fault afresh (more
    than half the worker's time in the kernel).  256 MB thresholds keep the working
    set resident; the process still releases memory above that.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, musl): nothing to tune
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_trim_threshold, 256 * 2**20)
    libc.mallopt(m_mmap_threshold, 32 * 2**20)


def read_point(path: Path, index: int, theta: np.ndarray, manifest: dict[str, Any]) -> EnsembleFile:
    """Read grid point ``index`` and check that it belongs to the run of ``manifest``.

    Raises
    ------
    EnsembleFormatError
        The file is unreadable or invalid, or its θ, n, settings, energies or seed differ
        from the manifest's (the message names which).
    """
    ens = read_ensemble(path)
    a = ens.attrs
    checks = {
        "theta": np.array_equal(np.asarray(ens.theta), theta),
        "n": ens.n == manifest["n_real"],
        **{key: a[key] == manifest[key] for key in ("method", "losses", "spatial", "z_max")},
        "energies": np.array_equal(ens.energies, np.asarray(manifest["energies"])),
        "seed": ens.seed == point_seed(manifest["seed"], index),
    }
    wrong = [key for key, ok in checks.items() if not ok]
    if wrong:
        raise EnsembleFormatError(f"{path}: differs from the grid manifest in {', '.join(wrong)}")
    return ens


def _point_file_ok(path: Path, index: int, theta: np.ndarray, manifest: dict[str, Any]) -> bool:
    """Whether an existing point file is valid and belongs to this run."""
    try:
        read_point(path, index, theta, manifest)
    except EnsembleFormatError as err:
        log.info("redoing %s: %s", path, err)
        return False
    return True


# ----------------------------------------------------------------------------- runner


@dataclass
class GridReport:
    """Outcome of :func:`run_grid`.

    Attributes
    ----------
    out_dir
        The output folder.
    n_points
        Points in the grid.
    done
        Points simulated by this run.
    skipped
        Points already present and valid.
    replaced
        Existing point files that were invalid (corrupt, partial, foreign) and redone
        (counted in ``done`` when they succeeded).
    failed
        ``(index, error message)`` of points whose task failed; rerun to retry them.
    wall_time_s
        Wall time of the run [s].
    """

    out_dir: Path
    n_points: int
    done: int = 0
    skipped: int = 0
    replaced: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    wall_time_s: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every point of the grid has a valid file."""
        return not self.failed and self.done + self.skipped == self.n_points

    def summary(self) -> str:
        """One line for humans."""
        text = (
            f"{self.out_dir}: {self.n_points} points, {self.done} simulated, "
            f"{self.skipped} already present, {self.replaced} invalid file(s) redone, "
            f"{len(self.failed)} failed, {self.wall_time_s:.1f} s"
        )
        if self.failed:
            i, msg = self.failed[0]
            text += f" (first failure: point {i}: {msg})"
        return text


def _default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _window(client: Any) -> int:
    # ~2 tasks per worker thread: every worker stays busy while the client handles a
    # result, yet only O(workers) futures ever exist, whatever the grid size.
    threads = sum(client.nthreads().values())
    return max(2, 2 * threads)


def run_grid(
    points: np.ndarray | Sequence[Sequence[float]],
    n_real: int,
    out_dir: str | os.PathLike,
    *,
    method: str = "exact",
    losses: str = "kn",
    spatial: str = "spiral",
    z_max: float = 4.0,
    energies: Sequence[float] | np.ndarray | None = None,
    seed: int = 0,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> GridReport:
    """Simulate ``n_real`` realisations at every grid point, one file per point, on Dask.

    Parameters
    ----------
    points
        ``(n_points, 5)`` θ in :data:`crelike.params.PARAM_NAMES` order (see
        :func:`grid_points`).
    n_real
        Realisations per point.
    out_dir
        Output folder (created if needed); see the module docstring for its layout.
    method, losses, spatial
        Passed to :func:`crelike.simulate`.
    z_max
        Halo half-height [kpc].
    energies
        Energies [GeV]; :data:`crelike.ENERGIES` when None.
    seed
        Base seed; point ``i`` uses :func:`point_seed` ``(seed, i)``.
    scheduler
        Address of an existing ``dask.distributed`` scheduler (e.g.
        ``tcp://10.0.0.1:8786`` or a dask-jobqueue cluster's ``scheduler_address``).
        None starts a :class:`distributed.LocalCluster`.
    workers
        Worker processes of the LocalCluster (1 thread each); all cores when None.
        Ignored with ``scheduler``.
    progress
        Show a tqdm progress bar with ETA on stderr.

    Returns
    -------
    GridReport
        Counts of simulated, skipped, replaced and failed points, and the wall time.

    Raises
    ------
    ValueError
        On bad arguments, or when ``out_dir`` holds a run with different settings.
    GridLockedError
        When another runner works in ``out_dir``.

    Notes
    -----
    Rerunning with the same arguments resumes: stale temp files are deleted, existing
    point files are validated and kept, invalid ones are redone.  Workers write the
    files, so the client and the workers must see the same file system (a shared one
    on a cluster).  Tasks are submitted through a sliding window of about twice the
    number of worker threads, so client and scheduler memory stay bounded.
    """
    t_start = time.perf_counter()
    pts = _check_points(points)
    if int(n_real) != n_real or n_real < 1:
        raise ValueError(f"n_real must be a positive integer, got {n_real!r}")
    if int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if energies is None:
        import crelike

        energies = crelike.ENERGIES
    e = np.asarray(torch.as_tensor(energies).cpu(), dtype=np.float64)
    if e.ndim != 1 or e.size < 1 or not np.all(np.isfinite(e) & (e > 0)):
        raise ValueError("energies must be a 1-d array of positive energies [GeV]")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "format": GRID_FORMAT,
        "format_version": GRID_FORMAT_VERSION,
        "crelike_version": __version__,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "param_names": list(PARAM_NAMES),
        "n_real": int(n_real),
        "method": str(method),
        "losses": str(losses),
        "spatial": str(spatial),
        "z_max": float(z_max),
        "seed": int(seed),
        "energies": e.tolist(),
        "points": pts.tolist(),
    }
    report = GridReport(out_dir=out, n_points=len(pts))
    with _folder_lock(out):
        _prepare_manifest(out, manifest)
        for stale in out.glob("point_*.h5.tmp*"):
            # Left by a killed run; we hold the lock, so no live writer owns them.
            with contextlib.suppress(OSError):
                stale.unlink()
        todo = []
        check = pts if len(pts) < 100 or not progress else _bar(pts, "checking files")
        for i, theta in enumerate(check):
            path = out / point_filename(i)
            if path.exists():
                if _point_file_ok(path, i, theta, manifest):
                    report.skipped += 1
                    continue
                report.replaced += 1
                path.unlink()
            todo.append(i)
        if todo:
            _run_tasks(todo, pts, out, manifest, report, scheduler, workers, progress)
    report.wall_time_s = time.perf_counter() - t_start
    return report


def _bar(items: np.ndarray, desc: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit="pt", file=sys.stderr, dynamic_ncols=True, leave=False)


def _run_tasks(
    todo: list[int],
    pts: np.ndarray,
    out: Path,
    manifest: dict[str, Any],
    report: GridReport,
    scheduler: str | None,
    workers: int | None,
    progress: bool,
) -> None:
    from distributed import Client, LocalCluster, as_completed
    from tqdm.auto import tqdm

    settings = {k: manifest[k] for k in ("method", "losses", "spatial", "z_max", "energies")}
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers or _default_workers(),
                    threads_per_worker=1,
                    processes=True,
                    # No dashboard (and no bokeh needed); the scheduler's small HTTP
                    # server takes any free port instead of competing for 8787.
                    dashboard_address=None,
                    scheduler_kwargs={"dashboard_address": ":0"},
                    silence_logs=logging.CRITICAL,  # failures are reported by the client
                )
            )
            client = stack.enter_context(Client(cluster))
        else:
            if workers is not None:
                log.warning("workers=%d ignored: the cluster at %s has its own", workers, scheduler)
            client = stack.enter_context(Client(scheduler))
        bar = stack.enter_context(
            tqdm(
                total=report.n_points,
                initial=report.skipped,
                disable=not progress,
                unit="pt",
                desc="grid",
                file=sys.stderr,
                dynamic_ncols=True,
            )
        )
        queue = iter(todo)

        def submit(i: int) -> Any:
            return client.submit(
                simulate_point,
                i,
                pts[i].tolist(),
                manifest["n_real"],
                str(out / point_filename(i)),
                seed=manifest["seed"],
                pure=False,
                key=f"crelike-point-{i:05d}-{os.getpid()}-{time.time_ns()}",
                **settings,
            )

        running = as_completed([submit(i) for i in itertools.islice(queue, _window(client))])
        for fut in running:
            index = _index_of(fut.key)
            if fut.status == "finished":
                report.done += 1
            else:
                try:
                    err = fut.exception()
                    msg = f"{type(err).__name__}: {err}"
                except Exception as exc:  # cancelled futures raise instead of returning
                    msg = f"{type(exc).__name__}: {exc}"
                report.failed.append((index, msg))
                log.error("grid point %d failed: %s", index, msg)
            fut.release()  # drop the reference so the scheduler forgets the task
            bar.update(1)
            # Top up to the window (it may grow as workers join an adaptive cluster).
            while running.count() < _window(client):
                nxt = next(queue, None)
                if nxt is None:
                    break
                running.add(submit(nxt))
        report.failed.sort()


def _index_of(key: str) -> int:
    return int(key.split("-")[2])

"""The grid runner: grid specs, seeds, determinism across workers, resume after SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

import crelike
from crelike.data import EnsembleFormatError, read_ensemble
from crelike.params import PARAM_NAMES
from crelike.simulate.grid import (
    GridLockedError,
    _folder_lock,
    grid_points,
    point_filename,
    point_seed,
    read_point,
    run_grid,
)

REPO = Path(__file__).resolve().parents[2]
# Cheap points (few sources: low R_SN) so that each task takes ~0.1 s.
FOUR = np.array(
    [
        [0.5, 4.0, 2.2, 0.6, 3.0],
        [0.5, 3.5, 1.8, 0.2, 1.0],
        [1.0, 5.5, 2.6, 1.0, 9.0],
        [0.5, 4.5, 2.0, 0.4, 5.0],
    ]
)
# Thomson losses and the axisymmetric profile: no per-process table set-up (~3 s for spiral).
SETTINGS = dict(losses="thomson", spatial="radial", z_max=4.0)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A 2-worker LocalCluster shared by the tests that attach to an existing scheduler."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": ":0"},
    ) as cluster:
        yield cluster.scheduler_address


def _write_csv(path: Path, points: np.ndarray, header: str = ",".join(PARAM_NAMES)) -> Path:
    lines = [header] + [",".join(f"{v:g}" for v in row) for row in points]
    path.write_text("\n".join(lines) + "\n")
    return path


def _fresh(theta: np.ndarray, n: int, seed: int) -> np.ndarray:
    """A single-point run in this process, as the grid's worker would do it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return crelike.simulate(list(theta), n, seed=seed, **SETTINGS).numpy()
    finally:
        torch.set_num_threads(threads)


# ------------------------------------------------------------------------ grid points


def test_point_seed_is_the_spawned_seed_sequence() -> None:
    ss = np.random.SeedSequence(7, spawn_key=(3,)).generate_state(1, dtype=np.uint64)[0]
    assert point_seed(7, 3) == int(ss >> np.uint64(1))
    seeds = {point_seed(s, i) for s in range(3) for i in range(100)}
    assert len(seeds) == 300 and all(0 <= s < 2**63 for s in seeds)
    assert point_seed(7, 3) == point_seed(7, 3)
    with pytest.raises(ValueError):
        point_seed(-1, 0)


def test_named_grids() -> None:
    assert grid_points("table1").shape == (6750, 5)
    off = grid_points("table1-offset")
    assert off.shape == (2560, 5)
    np.testing.assert_allclose(off.min(0), [0.75, 3.625, 1.9, 0.3, 2.0])


def test_csv_grid_any_column_order_comments_and_blank_lines(tmp_path: Path) -> None:
    text = (
        "# my points\n"
        "kappa0, gamma ,sn_rate,delta,log10_ecut\n"
        "3,2.2,0.5,0.6,4.0\n"
        "\n"
        "9,2.6,3.0,1.0,5.5\n"
    )
    (tmp_path / "g.csv").write_text(text)
    pts = grid_points(tmp_path / "g.csv")
    np.testing.assert_array_equal(pts, [[0.5, 4.0, 2.2, 0.6, 3.0], [3.0, 5.5, 2.6, 1.0, 9.0]])


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("sn_rate,log10_ecut,gamma,delta,kappa\n1,4,2,0.5,3\n", r"unknown column\(s\) 'kappa'"),
        ("sn_rate,log10_ecut,gamma,delta\n1,4,2,0.5\n", r"missing column\(s\) kappa0"),
        ("sn_rate,log10_ecut,gamma,delta,kappa0\n1,4,2,0.5,3\n1,4,x,0.5,3\n", "line 3: gamma"),
        ("sn_rate,log10_ecut,gamma,delta,kappa0\n1,4,2,0.5\n", "line 2: expected 5 values"),
        ("sn_rate,log10_ecut,gamma,delta,kappa0\n1,4,2,0.5,-3\n", "line 2: parameter kappa0"),
        ("sn_rate,log10_ecut,gamma,delta,kappa0\n", "no grid points"),
        ("", "empty grid file"),
    ],
)
def test_bad_csv_grids_name_the_fault(tmp_path: Path, content: str, match: str) -> None:
    (tmp_path / "g.csv").write_text(content)
    with pytest.raises(ValueError, match=match):
        grid_points(tmp_path / "g.csv")


def test_unknown_grid_name() -> None:
    with pytest.raises(ValueError, match="table1"):
        grid_points("table2")


# ----------------------------------------------------------------------------- runner


def test_same_files_with_one_or_two_workers(tmp_path: Path, scheduler: str) -> None:
    one = run_grid(FOUR, 4, tmp_path / "one", seed=11, workers=1, progress=False, **SETTINGS)
    two = run_grid(
        FOUR, 4, tmp_path / "two", seed=11, scheduler=scheduler, progress=False, **SETTINGS
    )
    assert (one.done, one.skipped, one.failed) == (4, 0, [])
    assert (two.done, two.skipped, two.failed) == (4, 0, [])
    for i, theta in enumerate(FOUR):
        a = read_ensemble(tmp_path / "one" / point_filename(i))
        b = read_ensemble(tmp_path / "two" / point_filename(i))
        np.testing.assert_array_equal(a.flux, b.flux)
        assert np.array_equal(np.asarray(a.theta), theta)
        assert a.seed == b.seed == point_seed(11, i)
        assert a.attrs["grid_index"] == i and a.attrs["losses"] == "thomson"
    # Different points really differ (the equality above is not trivially true).
    assert not np.array_equal(
        read_ensemble(tmp_path / "one" / point_filename(0)).flux,
        read_ensemble(tmp_path / "one" / point_filename(3)).flux,
    )
    manifest = json.loads((tmp_path / "one" / "grid.json").read_text())
    assert manifest["n_real"] == 4 and manifest["seed"] == 11
    assert manifest["points"] == FOUR.tolist() and manifest["losses"] == "thomson"
    np.testing.assert_array_equal(manifest["energies"], crelike.ENERGIES)
    folder = tmp_path / "one"
    assert read_point(folder / point_filename(1), 1, FOUR[1], manifest).seed == point_seed(11, 1)
    # Point 1's file offered as point 0: the check names what differs.
    with pytest.raises(EnsembleFormatError, match="theta, seed"):
        read_point(folder / point_filename(1), 0, FOUR[0], manifest)

    # A complete folder is skipped without contacting any scheduler.
    again = run_grid(
        FOUR,
        4,
        tmp_path / "one",
        seed=11,
        scheduler="tcp://127.0.0.1:9",
        progress=False,
        **SETTINGS,
    )
    assert (again.done, again.skipped, again.ok) == (0, 4, True)

    # Other settings in the same folder are refused, naming what differs.
    with pytest.raises(ValueError, match="n_real"):
        run_grid(FOUR, 5, tmp_path / "one", seed=11, progress=False, **SETTINGS)
    with pytest.raises(ValueError, match="points"):
        run_grid(FOUR[:3], 4, tmp_path / "one", seed=11, progress=False, **SETTINGS)
    with pytest.raises(ValueError, match="losses"):
        run_grid(FOUR, 4, tmp_path / "one", seed=11, progress=False, losses="kn")


def test_failed_points_are_reported_not_written(tmp_path: Path, scheduler: str) -> None:
    report = run_grid(
        FOUR[:2], 3, tmp_path, method="no-such-method", scheduler=scheduler, progress=False
    )
    assert report.done == 0 and not report.ok
    assert [i for i, _ in report.failed] == [0, 1]
    assert "no-such-method" in report.failed[0][1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.json", "grid.lock"]


def test_a_locked_folder_is_refused(tmp_path: Path) -> None:
    with _folder_lock(tmp_path), pytest.raises(GridLockedError, match="another"):
        run_grid(FOUR, 4, tmp_path, progress=False)


def _pg_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_resume_after_sigkill_is_complete_valid_and_deterministic(
    tmp_path: Path, scheduler: str
) -> None:
    # Twelve points at high R_SN (~0.2-0.5 s each) so that the kill lands mid-run.
    rng = np.random.default_rng(0)
    points = np.column_stack(
        [
            rng.choice([2.5, 3.0], 12),
            rng.choice([3.5, 4.5, 5.5], 12),
            rng.choice([1.8, 2.2, 2.6], 12),
            rng.choice([0.4, 0.6, 1.0], 12),
            rng.choice([5.0, 9.0], 12),
        ]
    )
    csv = _write_csv(tmp_path / "grid.csv", points)
    out = tmp_path / "out"
    base = [sys.executable, "-m", "crelike.cli", "simulate-grid", "--grid", str(csv)]
    args = ["--n-real", "4", "--out", str(out), "--seed", "5"]
    args += ["--losses", "thomson", "--spatial", "radial"]
    # The killed run cannot clean its Dask scratch space: keep that inside tmp_path.
    env = {**os.environ, "PYTHONPATH": str(REPO), "DASK_TEMPORARY_DIRECTORY": str(tmp_path)}
    proc = subprocess.Popen(
        [*base, *args, "--workers", "1", "--no-progress"],
        cwd=tmp_path,
        env=env,
        start_new_session=True,  # its own process group: the client, scheduler and workers
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 40
        while len(list(out.glob("point_*.h5"))) < 3:
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no point files appeared"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 10
    while _pg_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _pg_alive(proc.pid), "processes of the killed run survived"
    done_before = sorted(p.name for p in out.glob("point_*.h5"))
    assert 3 <= len(done_before) < 12, "the kill did not land mid-run"

    # Damage the folder the way crashes and bit rot would: a stray temp file and an
    # existing point file cut short.
    (out / "point_00011.h5.tmp-planted").write_bytes(b"\x89HDF partial")
    victim = out / done_before[0]
    victim.write_bytes(victim.read_bytes()[:500])

    rerun = subprocess.run(
        [*base, *args, "--scheduler", scheduler, "--no-progress"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert "1 invalid file(s) redone" in rerun.stdout
    assert f"{len(done_before) - 1} already present" in rerun.stdout

    names = sorted(p.name for p in out.iterdir())
    assert names == ["grid.json", "grid.lock"] + [point_filename(i) for i in range(12)]
    for i, theta in enumerate(points):
        e = read_ensemble(out / point_filename(i))
        assert np.array_equal(np.asarray(e.theta), theta) and e.n == 4
        assert e.seed == point_seed(5, i)
    # Determinism: a redone point and a never-interrupted one equal a fresh run.
    for name in (victim.name, point_filename(11)):
        i = int(name[6:11])
        fresh = _fresh(points[i], 4, point_seed(5, i))
        np.testing.assert_array_equal(read_ensemble(out / name).flux, fresh)

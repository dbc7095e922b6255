"""Ensemble files (atomic writes, validating reads) and the EnsembleDataset."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

import crelike.data.ensembles as ens
from crelike.data import EnsembleDataset, EnsembleFile, read_ensemble, write_ensemble
from crelike.params import PARAM_NAMES, Params

ENERGIES = np.logspace(1.5, 4.5, 19)
THETA = Params(2.0, 4.5, 2.2, 0.6, 5.0)
SETTINGS = dict(method="exact", losses="kn", spatial="spiral", z_max=4.0)


def _flux(n: int, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return scale * np.exp(rng.normal(size=(n, ENERGIES.size))) * 1e2 * ENERGIES**-3.1


def _write(path: Path, n: int = 50, seed: int = 0, theta=THETA, **kw) -> np.ndarray:
    flux = _flux(n, seed)
    write_ensemble(path, flux, theta=theta, energies=ENERGIES, seed=seed, **{**SETTINGS, **kw})
    return flux


def _psi(flux: np.ndarray) -> np.ndarray:
    import crelike

    out = crelike.psi(torch.from_numpy(flux), torch.from_numpy(ENERGIES))
    return np.asarray(torch.as_tensor(out), dtype=np.float64)


# ------------------------------------------------------------------------ file format


def test_round_trip_keeps_data_and_provenance(tmp_path: Path) -> None:
    path = tmp_path / "a.h5"
    flux = torch.from_numpy(_flux(3000, seed=1))
    out = write_ensemble(
        path, flux, theta=THETA, energies=ENERGIES, seed=123, extra_attrs={"note": "x"}, **SETTINGS
    )
    assert out == path
    e = read_ensemble(path)
    assert isinstance(e, EnsembleFile)
    np.testing.assert_array_equal(e.flux, flux.numpy())
    np.testing.assert_array_equal(e.energies, ENERGIES)
    assert e.theta == THETA and isinstance(e.theta, Params)
    assert e.n == 3000 and e.seed == 123
    a = e.attrs
    assert a["format"] == "crelike-ensemble" and a["format_version"] == 1
    assert a["crelike_version"] == ens.__version__
    assert [a[name] for name in PARAM_NAMES] == list(THETA)
    np.testing.assert_array_equal(a["theta"], np.asarray(THETA))
    np.testing.assert_array_equal(a["energies"], ENERGIES)
    assert (a["method"], a["losses"], a["spatial"], a["z_max"]) == ("exact", "kn", "spiral", 4.0)
    assert a["n"] == 3000 and a["note"] == "x"
    created = dt.datetime.fromisoformat(a["created"])
    assert created.utcoffset() == dt.timedelta(0)
    assert abs((dt.datetime.now(dt.timezone.utc) - created).total_seconds()) < 120
    with h5py.File(path, "r") as f:
        d = f["flux"]
        assert d.dtype == np.float64 and d.compression == "gzip"
        assert d.chunks is not None and d.chunks[0] <= 1024 and d.chunks[1] == ENERGIES.size
        assert d.attrs["units"] == "GeV^-1 m^-2 s^-1 sr^-1"
        assert f["energies"].attrs["units"] == "GeV"


def test_unseeded_run_is_recorded_as_none(tmp_path: Path) -> None:
    _write(tmp_path / "a.h5", seed=None)
    e = read_ensemble(tmp_path / "a.h5")
    assert e.seed is None and e.attrs["seed"] == -1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(flux=-_flux(4)), "non-negative"),
        (dict(flux=np.full((4, 19), np.nan)), "finite"),
        (dict(energies=ENERGIES[:-1]), "shape"),
        (dict(energies=ENERGIES[::-1]), "increasing"),
        (dict(theta=(2.0, 4.5, 2.2, 0.6, -1.0)), "kappa0"),
        (dict(extra_attrs={"seed": 3}), "reserved"),
    ],
)
def test_bad_input_raises_and_writes_nothing(tmp_path: Path, kwargs: dict, match: str) -> None:
    args = dict(flux=_flux(4), theta=THETA, energies=ENERGIES, seed=0, **SETTINGS) | kwargs
    flux = args.pop("flux")
    with pytest.raises(ValueError, match=match):
        write_ensemble(tmp_path / "a.h5", flux, **args)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "a.h5"
    old = _write(path, seed=1)
    # An attribute h5py cannot store fails after the flux has been written to the temp file.
    with pytest.raises(TypeError):
        _write(path, seed=2, extra_attrs={"bad": object()})
    np.testing.assert_array_equal(read_ensemble(path).flux, old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.h5"]


def test_fsync_happens_before_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(ens.os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(
        ens.os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b))[1]
    )
    _write(tmp_path / "a.h5")
    assert "replace" in calls and calls.index("fsync") < calls.index("replace")


def test_interrupted_rename_leaves_neither_final_nor_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(a: str, b: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ens.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        _write(tmp_path / "a.h5")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.999])
def test_truncated_file_raises_value_error(tmp_path: Path, keep: float) -> None:
    path = tmp_path / "a.h5"
    _write(path, n=2000)
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(int(size * keep))
    with pytest.raises(ValueError, match=str(path)) as info:
        read_ensemble(path)
    assert not isinstance(info.value, OSError)


def test_corrupt_bytes_raise_value_error(tmp_path: Path) -> None:
    path = tmp_path / "a.h5"
    _write(path, n=3000)
    data = bytearray(path.read_bytes())
    # The gzip-compressed flux chunks fill most of the file; damage one in the middle.
    mid = len(data) // 2
    data[mid : mid + 256] = bytes(256)
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="flux data unreadable"):
        read_ensemble(path)


def test_foreign_and_non_hdf5_files_are_refused(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["flux"] = _flux(3)
        f["energies"] = ENERGIES
    with pytest.raises(ValueError, match="not a crelike ensemble"):
        read_ensemble(foreign)
    text = tmp_path / "notes.h5"
    text.write_text("hello\n")
    with pytest.raises(ValueError, match="cannot be opened as HDF5"):
        read_ensemble(text)
    with pytest.raises(ValueError, match="no such file"):
        read_ensemble(tmp_path / "missing.h5")


def _tamper(path: Path, fn) -> None:
    with h5py.File(path, "r+") as f:
        fn(f)


@pytest.mark.parametrize(
    ("tamper", "match"),
    [
        (lambda f: f.attrs.__setitem__("n", 49), "shape"),
        (lambda f: f.attrs.__delitem__("seed"), "missing file attribute"),
        (lambda f: f["flux"].attrs.__setitem__("units", "cm^-2"), "flux units"),
        (lambda f: f["energies"].attrs.__setitem__("units", "TeV"), "energies units"),
        (lambda f: f["flux"].__setitem__((3, 4), np.nan), "non-finite"),
        (lambda f: f["flux"].__setitem__((3, 4), -1.0), "negative"),
        (lambda f: f.attrs.__setitem__("gamma", 2.4), "disagrees with theta"),
        (lambda f: f.attrs.__setitem__("format_version", 99), "format_version"),
    ],
)
def test_inconsistent_files_are_refused(tmp_path: Path, tamper, match: str) -> None:
    path = tmp_path / "a.h5"
    _write(path)
    read_ensemble(path)  # valid before tampering
    _tamper(path, tamper)
    with pytest.raises(ValueError, match=match):
        read_ensemble(path)


# --------------------------------------------------------------------------- dataset


@pytest.fixture
def files(tmp_path: Path) -> tuple[list[Path], list[np.ndarray], list[Params]]:
    """Six files with different θ and row counts; every flux row is unique."""
    paths, fluxes, thetas = [], [], []
    for k, n in enumerate([40, 60, 50, 70, 30, 50]):
        theta = Params(0.5 + 0.5 * k, 4.0, 2.0 + 0.1 * k, 0.4, 1.0 + k)
        p = tmp_path / f"point_{k:05d}.h5"
        fluxes.append(_write(p, n=n, seed=k, theta=theta))
        paths.append(p)
        thetas.append(theta)
    (tmp_path / "point_00006.h5.tmp-junk").write_text("stale temp file: must be ignored")
    return paths, fluxes, thetas


def _rows(items) -> list[tuple]:
    return [tuple(np.concatenate([x.numpy(), t.numpy()]).tolist()) for x, t in items]


def test_dataset_yields_every_row_once_with_psi_and_theta(files) -> None:
    paths, fluxes, thetas = files
    ds = EnsembleDataset(paths[0].parent, shuffle=True, buffer_size=64, block_size=8, seed=3)
    assert len(ds) == 300 == sum(f.shape[0] for f in fluxes)
    items = list(ds)
    assert all(x.dtype == torch.float32 and x.shape == (19,) for x, _ in items)
    assert all(t.dtype == torch.float32 and t.shape == (5,) for _, t in items)
    want: Counter = Counter()
    for f, th in zip(fluxes, thetas, strict=True):
        t = np.asarray(th, dtype=np.float32)
        for row in _psi(f).astype(np.float32):
            want[tuple(np.concatenate([row, t]).tolist())] += 1
    assert Counter(_rows(items)) == want


def test_dataset_shuffles_across_files_and_is_seeded(files) -> None:
    paths, _, thetas = files
    kw = dict(shuffle=True, buffer_size=32, block_size=8, max_open_files=4)
    order = [tuple(t.tolist()) for _, t in EnsembleDataset(paths, seed=1, **kw)]
    # Rows of different files interleave from the start instead of file after file.
    assert len(set(order[:20])) >= 3
    switches = sum(a != b for a, b in zip(order, order[1:], strict=False))
    assert switches > 100  # file by file would switch 5 times
    again = [tuple(t.tolist()) for _, t in EnsembleDataset(paths, seed=1, **kw)]
    assert again == order
    ds = EnsembleDataset(paths, seed=1, **kw)
    ds.set_epoch(1)
    assert [tuple(t.tolist()) for _, t in ds] != order
    plain = [tuple(t.tolist()) for _, t in EnsembleDataset(paths, shuffle=False)]
    assert sum(a != b for a, b in zip(plain, plain[1:], strict=False)) == 5


def test_dataset_reads_in_bounded_memory(files, monkeypatch: pytest.MonkeyPatch) -> None:
    paths, _, _ = files
    opened: list[str] = []
    real = ens.h5py.File

    def spy(name, mode="r", *a, **k):
        opened.append(str(name))
        return real(name, mode, *a, **k)

    ds = EnsembleDataset(paths, buffer_size=16, block_size=4, max_open_files=2, seed=0)
    monkeypatch.setattr(ens.h5py, "File", spy)
    it = iter(ds)
    next(it)
    # The first row comes out after reading a few blocks of at most two files.
    assert 1 <= len(set(opened)) <= 2


def test_standardisation_constants_and_result(files) -> None:
    paths, fluxes, thetas = files
    ds = EnsembleDataset(paths, standardise=True, standardise_theta=True, seed=0)
    psi_all = np.concatenate([_psi(f) for f in fluxes])
    np.testing.assert_allclose(ds.psi_mean, psi_all.mean(0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ds.psi_std, psi_all.std(0), rtol=1e-10)
    th_all = np.concatenate(
        [np.tile(th, (f.shape[0], 1)) for f, th in zip(fluxes, thetas, strict=True)]
    )
    # Row-weighted (files have different n), not a plain mean over files.
    np.testing.assert_allclose(ds.theta_mean, th_all.mean(0), atol=1e-12)
    np.testing.assert_allclose(ds.theta_std[[0, 2, 4]], th_all.std(0)[[0, 2, 4]], rtol=1e-12)
    # Parameters that never vary stay unscaled instead of dividing by zero.
    assert ds.theta_std[1] == 1.0 and ds.theta_std[3] == 1.0
    x = torch.stack([x for x, _ in ds]).double().numpy()
    t = torch.stack([t for _, t in ds]).double().numpy()
    np.testing.assert_allclose(x.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(x.std(0), 1, atol=1e-5)
    np.testing.assert_allclose(t.mean(0), 0, atol=1e-5)


def test_given_standardisation_constants_are_used(files) -> None:
    paths, fluxes, thetas = files
    mean, std = np.full(19, 1.5), np.full(19, 0.5)
    tm, ts = np.arange(5.0), np.full(5, 2.0)
    ds = EnsembleDataset(
        paths[:1],
        standardise=True,
        standardise_theta=True,
        psi_stats=(mean, std),
        theta_stats=(tm, ts),
        shuffle=False,
    )
    x, t = next(iter(ds))
    np.testing.assert_allclose(x.numpy(), (_psi(fluxes[0])[0] - 1.5) / 0.5, rtol=1e-6)
    np.testing.assert_allclose(t.numpy(), (np.asarray(thetas[0]) - tm) / ts, rtol=1e-6)
    with pytest.raises(ValueError, match="psi_stats"):
        EnsembleDataset(paths, standardise=True, psi_stats=(mean[:3], std[:3]))


def test_dataloader_workers_partition_the_files(files) -> None:
    paths, _, _ = files
    ds = EnsembleDataset(paths, buffer_size=32, block_size=8, seed=5)
    single = Counter(_rows(ds))
    loader = DataLoader(ds, batch_size=None, num_workers=2)
    multi = Counter(_rows(loader))
    assert multi == single and sum(multi.values()) == 300


def test_dataset_refuses_mixed_energy_grids_and_empty_folders(tmp_path: Path, files) -> None:
    paths, _, _ = files
    other = tmp_path / "sub"
    other.mkdir()
    write_ensemble(
        other / "x.h5", _flux(5)[:, :10], theta=THETA, energies=ENERGIES[:10], seed=0, **SETTINGS
    )
    with pytest.raises(ValueError, match="energy grid differs"):
        EnsembleDataset([paths[0], other / "x.h5"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no ensemble files"):
        EnsembleDataset(empty)
    glob = EnsembleDataset(str(tmp_path / "point_0000[01].h5"))
    assert len(glob) == 100

"""Ensembles of simulated spectra on disk: one HDF5 file per parameter point.

File format ``crelike-ensemble``, version 1
-------------------------------------------
datasets
    ``flux``      float64 ``(n, D)``: φ(E) per realisation [GeV⁻¹ m⁻² s⁻¹ sr⁻¹],
                  attribute ``units``; chunked by rows and gzip-compressed.
    ``energies``  float64 ``(D,)``: the energy grid [GeV], attribute ``units``.
file attributes
    ``format`` (``"crelike-ensemble"``), ``format_version``, ``crelike_version``,
    ``theta`` (5 floats, :data:`crelike.params.PARAM_NAMES` order) and each named
    parameter, ``energies`` [GeV], ``method``, ``losses``, ``spatial``,
    ``z_max`` [kpc], ``seed`` (−1 when the run was unseeded), ``n`` and
    ``created`` (UTC, ISO 8601), plus any user-supplied extras.

Writers are atomic (temp file in the same folder, fsync, :func:`os.replace`), so a
file under its final name is always complete; readers validate and raise
:class:`EnsembleFormatError` (a :class:`ValueError`) naming the file and the fault.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import glob as _glob
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from crelike._version import __version__
from crelike.params import PARAM_NAMES, Params, as_params

#: Value of the ``format`` file attribute.
FORMAT_NAME = "crelike-ensemble"
#: Current format version; readers accept this version and older ones.
FORMAT_VERSION = 1
#: Units of the ``flux`` dataset.
FLUX_UNITS = "GeV^-1 m^-2 s^-1 sr^-1"
#: Units of the ``energies`` dataset.
ENERGY_UNITS = "GeV"
#: Temp files are named ``<final name>`` + this + a random tail (matched by ``*.h5.tmp*``).
TMP_MARKER = ".tmp-"
#: Rows per HDF5 chunk (at most): ~150 kB per chunk for 19 energies.
CHUNK_ROWS = 1024
#: Attributes every file must carry.
REQUIRED_ATTRS: tuple[str, ...] = (
    "format",
    "format_version",
    "crelike_version",
    "theta",
    *PARAM_NAMES,
    "energies",
    "method",
    "losses",
    "spatial",
    "z_max",
    "seed",
    "n",
    "created",
)

PathLike = str | os.PathLike
ArrayLike = np.ndarray | torch.Tensor


class EnsembleFormatError(ValueError):
    """An ensemble file is missing, truncated, foreign or inconsistent."""


@dataclass(frozen=True)
class EnsembleFile:
    """The validated contents of one ensemble file.

    Attributes
    ----------
    path
        Where it was read from.
    flux
        float64 ``(n, D)``, φ [GeV⁻¹ m⁻² s⁻¹ sr⁻¹].
    energies
        float64 ``(D,)`` [GeV].
    theta
        The parameter point.
    attrs
        All file attributes (numpy scalars converted to Python types).
    """

    path: Path
    flux: np.ndarray
    energies: np.ndarray
    theta: Params
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of realisations (rows of :attr:`flux`)."""
        return int(self.flux.shape[0])

    @property
    def seed(self) -> int | None:
        """The simulation seed, or None for an unseeded run."""
        seed = int(self.attrs["seed"])
        return None if seed < 0 else seed


def _to_numpy_2d(flux: ArrayLike) -> np.ndarray:
    if isinstance(flux, torch.Tensor):
        flux = flux.detach().to("cpu", torch.float64).numpy()
    arr = np.asarray(flux, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"flux must have shape (n >= 1, D >= 1), got {arr.shape}")
    return arr


def _check_energies(energies: ArrayLike, d: int) -> np.ndarray:
    if isinstance(energies, torch.Tensor):
        energies = energies.detach().cpu().numpy()
    e = np.asarray(energies, dtype=np.float64)
    if e.ndim != 1 or e.shape[0] != d:
        raise ValueError(f"energies must have shape ({d},) to match flux, got {e.shape}")
    if not (np.all(np.isfinite(e)) and np.all(e > 0) and np.all(np.diff(e) > 0)):
        raise ValueError("energies must be finite, positive and strictly increasing [GeV]")
    return e


def _fsync_dir(folder: Path) -> None:
    # Make the rename itself durable; not possible (nor needed) on every platform.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_ensemble(
    path: PathLike,
    flux: ArrayLike,
    *,
    theta: Any,
    energies: ArrayLike,
    method: str,
    losses: str,
    spatial: str,
    z_max: float,
    seed: int | None,
    extra_attrs: Mapping[str, Any] | None = None,
) -> Path:
    """Write one ensemble atomically.

    Parameters
    ----------
    path
        Final file name (conventionally ``*.h5``); its folder must exist.
    flux
        ``(n, D)`` flux φ [GeV⁻¹ m⁻² s⁻¹ sr⁻¹], finite and non-negative; stored as float64.
    theta
        The parameter point (anything :func:`crelike.params.as_params` accepts).
    energies
        ``(D,)`` energies [GeV], strictly increasing.
    method, losses, spatial
        Simulator settings, recorded as provenance.
    z_max
        Halo half-height [kpc].
    seed
        The simulation seed (a non-negative int), or None for an unseeded run
        (stored as −1).
    extra_attrs
        More file attributes (must not reuse a reserved name).

    Returns
    -------
    pathlib.Path
        The final path.

    Raises
    ------
    ValueError
        On inconsistent shapes, bad values or a reserved extra attribute name.

    Notes
    -----
    The data go to ``<path>.tmp-XXXX`` in the same folder, which is fsynced and then
    renamed over ``path`` with :func:`os.replace` (atomic on POSIX and Windows), so
    readers see either the old file, or the complete new one, never a partial file;
    a failure removes the temp file.
    """
    path = Path(path)
    arr = _to_numpy_2d(flux)
    n, d = arr.shape
    e = _check_energies(energies, d)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError("flux must be finite and non-negative")
    params = as_params(theta)
    if seed is not None and (int(seed) != seed or seed < 0):
        raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
    attrs: dict[str, Any] = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "crelike_version": __version__,
        "theta": np.asarray(params, dtype=np.float64),
        **{name: float(v) for name, v in zip(PARAM_NAMES, params, strict=True)},
        "energies": e,
        "method": str(method),
        "losses": str(losses),
        "spatial": str(spatial),
        "z_max": float(z_max),
        "seed": np.int64(-1 if seed is None else int(seed)),
        "n": np.int64(n),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    for key, value in (extra_attrs or {}).items():
        if key in attrs:
            raise ValueError(f"extra attribute {key!r} is reserved by the file format")
        attrs[key] = value

    fd, tmp_name = tempfile.mkstemp(prefix=path.name + TMP_MARKER, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with h5py.File(tmp, "w") as f:
            dset = f.create_dataset(
                "flux",
                data=arr,
                chunks=(min(n, CHUNK_ROWS), d),
                compression="gzip",
                compression_opts=4,
                shuffle=True,  # byte-shuffle first: doubles the gzip ratio on float64
            )
            dset.attrs["units"] = FLUX_UNITS
            edset = f.create_dataset("energies", data=e)
            edset.attrs["units"] = ENERGY_UNITS
            for key, value in attrs.items():
                f.attrs[key] = value
        # h5py has flushed and closed; push the bytes to disk before the rename so a
        # crash after os.replace cannot leave a complete name over incomplete data.
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)
    return path


def _py(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass(frozen=True)
class EnsembleHeader:
    """Validated attributes and shapes of an ensemble file (flux not read).

    Attributes
    ----------
    path
        The file.
    n
        Number of realisations.
    energies
        float64 ``(D,)`` [GeV].
    theta
        The parameter point.
    attrs
        All file attributes as Python values.
    """

    path: Path
    n: int
    energies: np.ndarray
    theta: Params
    attrs: dict[str, Any]


def _check_header(f: h5py.File, path: Path) -> EnsembleHeader:
    """Validate attributes and shapes of an open file (flux values are not read)."""

    def fail(msg: str) -> EnsembleFormatError:
        return EnsembleFormatError(f"{path}: {msg}")

    attrs = {k: _py(v) for k, v in f.attrs.items()}
    if attrs.get("format") != FORMAT_NAME:
        raise fail(f"not a crelike ensemble file (file attribute 'format' != {FORMAT_NAME!r})")
    version = attrs.get("format_version")
    if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        raise fail(
            f"unsupported format_version {version!r} (this crelike reads 1..{FORMAT_VERSION})"
        )
    missing = [k for k in REQUIRED_ATTRS if k not in attrs]
    if missing:
        raise fail(f"missing file attribute(s) {', '.join(missing)}")
    for name in ("flux", "energies"):
        if not isinstance(f.get(name), h5py.Dataset):
            raise fail(f"missing dataset {name!r}")
    flux, edset = f["flux"], f["energies"]
    if _py(flux.attrs.get("units")) != FLUX_UNITS:
        raise fail(f"flux units are {_py(flux.attrs.get('units'))!r}, expected {FLUX_UNITS!r}")
    if _py(edset.attrs.get("units")) != ENERGY_UNITS:
        raise fail(
            f"energies units are {_py(edset.attrs.get('units'))!r}, expected {ENERGY_UNITS!r}"
        )
    energies = np.asarray(edset[()], dtype=np.float64)
    if energies.ndim != 1 or energies.size == 0:
        raise fail(f"energies dataset has shape {energies.shape}, expected (D,)")
    if not np.array_equal(np.asarray(attrs["energies"], dtype=np.float64), energies):
        raise fail("energies attribute and energies dataset differ")
    n = int(attrs["n"])
    if flux.ndim != 2 or flux.shape != (n, energies.size):
        raise fail(f"flux has shape {flux.shape}, expected (n={n}, D={energies.size})")
    try:
        theta = as_params(np.asarray(attrs["theta"], dtype=np.float64))
    except ValueError as err:
        raise fail(f"bad theta attribute: {err}") from err
    for name, value in zip(PARAM_NAMES, theta, strict=True):
        if float(attrs[name]) != value:
            raise fail(f"attribute {name} = {attrs[name]!r} disagrees with theta")
    return EnsembleHeader(path, n, energies, theta, attrs)


@contextlib.contextmanager
def _open_checked(path: PathLike) -> Iterator[tuple[h5py.File, EnsembleHeader]]:
    """Open and validate an ensemble file; h5py/OS errors become EnsembleFormatError."""
    path = Path(path)
    if not path.is_file():
        raise EnsembleFormatError(f"{path}: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError as err:
        raise EnsembleFormatError(
            f"{path}: cannot be opened as HDF5 (truncated, corrupt or not HDF5): {err}"
        ) from err
    try:
        try:
            header = _check_header(f, path)
        except EnsembleFormatError:
            raise
        except (OSError, RuntimeError, KeyError, TypeError, ValueError) as err:
            # A damaged file can open but fail when its metadata is read; libhdf5 then
            # surfaces as any of these.
            raise EnsembleFormatError(f"{path}: unreadable metadata (corrupt?): {err}") from err
        yield f, header
    finally:
        f.close()


def read_ensemble(path: PathLike) -> EnsembleFile:
    """Read and validate one ensemble file.

    Parameters
    ----------
    path
        An ensemble file written by :func:`write_ensemble`.

    Returns
    -------
    EnsembleFile
        Flux [GeV⁻¹ m⁻² s⁻¹ sr⁻¹], energies [GeV], θ and attributes.

    Raises
    ------
    EnsembleFormatError
        (a :class:`ValueError`) if the file is missing, not HDF5, truncated, foreign
        (no ``format`` attribute), has inconsistent shapes or units, or holds
        non-finite or negative flux; the message names the file and the fault.
    """
    with _open_checked(path) as (f, header):
        try:
            flux = np.asarray(f["flux"][()], dtype=np.float64)
        except (OSError, RuntimeError, ValueError) as err:
            raise EnsembleFormatError(
                f"{header.path}: flux data unreadable (truncated or corrupt): {err}"
            ) from err
    if not np.all(np.isfinite(flux)):
        raise EnsembleFormatError(f"{header.path}: flux contains non-finite values")
    if np.any(flux < 0):
        raise EnsembleFormatError(f"{header.path}: flux contains negative values")
    return EnsembleFile(header.path, flux, header.energies, header.theta, header.attrs)


def read_header(path: PathLike) -> EnsembleHeader:
    """Validate a file's attributes and shapes without reading the flux (cheap)."""
    with _open_checked(path) as (_, header):
        return header


# --------------------------------------------------------------------------- dataset


def _psi(flux: np.ndarray, energies: np.ndarray) -> np.ndarray:
    """ψ = log10(E³ φ) with crelike's floor, as float64 numpy ``(m, D)``."""
    from crelike import psi  # lazy: crelike/__init__ imports the simulator

    out = psi(torch.from_numpy(flux), torch.from_numpy(energies))
    if isinstance(out, torch.Tensor):
        return out.detach().to("cpu", torch.float64).numpy()
    return np.asarray(out, dtype=np.float64)


def _resolve_files(files: PathLike | Sequence[PathLike]) -> list[Path]:
    if isinstance(files, (str, os.PathLike)):
        text = os.fspath(files)
        p = Path(text)
        if p.is_dir():
            # Temp files are "*.h5.tmp-…" and never match "*.h5".
            found = sorted(p.glob("*.h5"))
        elif any(ch in text for ch in "*?["):
            found = sorted(Path(m) for m in _glob.glob(text))
        else:
            found = [p]
    else:
        found = [Path(f) for f in files]
    if not found:
        raise ValueError(f"no ensemble files found in {files!r}")
    return found


def _std_or_one(var: np.ndarray) -> np.ndarray:
    # A bin or parameter that never varies (all at the floor, a single θ) would divide
    # by zero; leave it unscaled instead.
    std = np.sqrt(np.maximum(var, 0.0))
    return np.where(std > 0, std, 1.0)


def _stats_pair(
    stats: tuple[ArrayLike, ArrayLike], size: int, what: str
) -> tuple[np.ndarray, np.ndarray]:
    mean, std = (np.asarray(torch.as_tensor(a).cpu(), dtype=np.float64) for a in stats)
    if mean.shape != (size,) or std.shape != (size,):
        raise ValueError(f"{what} mean and std must have shape ({size},)")
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std)) and np.all(std > 0)):
        raise ValueError(f"{what} mean must be finite and std finite and positive")
    return mean, std


class EnsembleDataset(IterableDataset):
    """Stream ``(x, θ)`` rows for training from many ensemble files, shuffled, in bounded memory.

    Parameters
    ----------
    files
        A folder (all ``*.h5`` in it), a glob pattern, one file, or a sequence of files.
        All must share one energy grid.
    standardise
        If True, x = (ψ − μ_bin)/σ_bin per energy bin, else x = ψ = log10(E³φ/(GeV² m⁻² s⁻¹
        sr⁻¹)) with crelike's floor (:func:`crelike.psi`).
    standardise_theta
        If True, θ is returned as (θ − μ)/σ per parameter.
    psi_stats
        ``(mean, std)`` of ψ per bin, each ``(D,)``; computed from all rows of ``files``
        (one streaming pass) when None and ``standardise`` is True.  Pass the training
        set's constants when building a validation set.
    theta_stats
        ``(mean, std)`` of θ, each ``(5,)``; computed from the files (row-weighted) when None.
    shuffle
        Shuffle across files (random file order, several files read at once, random
        block order within files) and within a buffer of ``buffer_size`` rows.
        If False, rows come file by file in order.
    buffer_size
        Rows held in the shuffle buffer.
    block_size
        Rows read from a file at a time.
    max_open_files
        Files read concurrently and interleaved (per worker).
    seed
        Seed of the shuffle; combine with :meth:`set_epoch` for a new order each epoch.

    Notes
    -----
    Memory per iterator is about ``(buffer_size + block_size) × (D + 5) × 4`` bytes plus
    HDF5's chunk cache of the ``max_open_files`` open files; files are never loaded whole.
    With ``DataLoader(num_workers=k)`` each worker reads a disjoint subset of the files
    (the same seeded permutation, split round-robin), so every row is yielded exactly
    once per epoch; with more workers than files some workers yield nothing.
    The file order is the same in every worker because it depends only on
    ``(seed, epoch)``.

    Examples
    --------
    >>> ds = EnsembleDataset("runs/table1", standardise=True, standardise_theta=True)
    >>> loader = torch.utils.data.DataLoader(ds, batch_size=512, num_workers=2)
    """

    def __init__(
        self,
        files: PathLike | Sequence[PathLike],
        *,
        standardise: bool = False,
        standardise_theta: bool = False,
        psi_stats: tuple[ArrayLike, ArrayLike] | None = None,
        theta_stats: tuple[ArrayLike, ArrayLike] | None = None,
        shuffle: bool = True,
        buffer_size: int = 8192,
        block_size: int = 256,
        max_open_files: int = 8,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if buffer_size < 1 or block_size < 1 or max_open_files < 1:
            raise ValueError("buffer_size, block_size and max_open_files must be >= 1")
        self.files: list[Path] = _resolve_files(files)
        self.headers: list[EnsembleHeader] = [read_header(p) for p in self.files]
        self.energies: np.ndarray = self.headers[0].energies
        for h in self.headers[1:]:
            if not np.array_equal(h.energies, self.energies):
                raise ValueError(
                    f"{h.path}: energy grid differs from that of {self.headers[0].path}"
                )
        self.standardise = standardise
        self.standardise_theta = standardise_theta
        self.shuffle = shuffle
        self.buffer_size = int(buffer_size)
        self.block_size = int(block_size)
        self.max_open_files = int(max_open_files)
        self.seed = int(seed)
        self._epoch = 0
        d = self.energies.size

        if theta_stats is None:
            n = np.array([h.n for h in self.headers], dtype=np.float64)
            th = np.array([h.theta for h in self.headers], dtype=np.float64)
            mean = (n[:, None] * th).sum(0) / n.sum()
            var = (n[:, None] * (th - mean) ** 2).sum(0) / n.sum()
            self.theta_mean, self.theta_std = mean, _std_or_one(var)
        else:
            self.theta_mean, self.theta_std = _stats_pair(theta_stats, 5, "theta_stats")

        self.psi_mean: np.ndarray | None = None
        self.psi_std: np.ndarray | None = None
        if psi_stats is not None:
            self.psi_mean, self.psi_std = _stats_pair(psi_stats, d, "psi_stats")
        elif standardise:
            self.psi_mean, self.psi_std = self._compute_psi_stats()

    def __len__(self) -> int:
        """Total number of rows over all files (from the attributes)."""
        return sum(h.n for h in self.headers)

    def set_epoch(self, epoch: int) -> None:
        """Use a different (still seeded) shuffle for this epoch; call before iterating."""
        self._epoch = int(epoch)

    def _compute_psi_stats(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-bin mean and std of ψ over all rows, streamed block by block.

        Blocks are merged with Chan et al.'s pairwise update, which stays accurate
        where a naive Σψ² − (Σψ)² would cancel.
        """
        d = self.energies.size
        count, mean, m2 = 0, np.zeros(d), np.zeros(d)
        for path in self.files:
            with h5py.File(path, "r") as f:
                dset = f["flux"]
                for start in range(0, dset.shape[0], CHUNK_ROWS):
                    x = _psi(dset[start : start + CHUNK_ROWS], self.energies)
                    nb, mb = x.shape[0], x.mean(0)
                    m2b = ((x - mb) ** 2).sum(0)
                    tot = count + nb
                    delta = mb - mean
                    mean = mean + delta * nb / tot
                    m2 = m2 + m2b + delta**2 * count * nb / tot
                    count = tot
        return mean, _std_or_one(m2 / count)

    def _transform(self, flux: np.ndarray, theta: Params) -> tuple[np.ndarray, np.ndarray]:
        x = _psi(np.asarray(flux, dtype=np.float64), self.energies)
        if self.standardise:
            x = (x - self.psi_mean) / self.psi_std
        th = np.asarray(theta, dtype=np.float64)
        if self.standardise_theta:
            th = (th - self.theta_mean) / self.theta_std
        return x.astype(np.float32), np.broadcast_to(th.astype(np.float32), (x.shape[0], 5))

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Yield ``(x, θ)`` as float32 tensors of shapes ``(D,)`` and ``(5,)``."""
        info = get_worker_info()
        worker_id, n_workers = (0, 1) if info is None else (info.id, info.num_workers)
        # The file permutation must be identical in all workers so that the round-robin
        # split is a partition; only the in-worker stream gets a worker-specific seed.
        shared = np.random.default_rng(np.random.SeedSequence([self.seed, self._epoch]))
        order = shared.permutation(len(self.files)) if self.shuffle else np.arange(len(self.files))
        mine = [int(i) for i in order[worker_id::n_workers]]
        if not self.shuffle:
            yield from self._iter_sequential(mine)
            return
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, self._epoch, worker_id + 1]))
        yield from self._iter_shuffled(mine, rng)

    def _iter_sequential(self, mine: list[int]) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for i in mine:
            header = self.headers[i]
            with h5py.File(header.path, "r") as f:
                dset = f["flux"]
                for start in range(0, header.n, self.block_size):
                    x, th = self._transform(dset[start : start + self.block_size], header.theta)
                    for row in range(x.shape[0]):
                        yield torch.from_numpy(x[row].copy()), torch.from_numpy(th[row].copy())

    def _iter_shuffled(
        self, mine: list[int], rng: np.random.Generator
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        d = self.energies.size
        cap = self.buffer_size + self.block_size
        buf_x = np.empty((cap, d), dtype=np.float32)
        buf_t = np.empty((cap, 5), dtype=np.float32)
        count = 0
        pending = list(mine)
        # Open cursors: [h5py.File, header, shuffled block starts, next block position].
        cursors: list[list[Any]] = []
        try:
            while pending or cursors:
                while pending and len(cursors) < self.max_open_files:
                    header = self.headers[pending.pop(0)]
                    starts = rng.permutation(np.arange(0, header.n, self.block_size))
                    cursors.append([h5py.File(header.path, "r"), header, starts, 0])
                k = int(rng.integers(len(cursors)))
                f, header, starts, pos = cursors[k]
                start = int(starts[pos])
                x, th = self._transform(f["flux"][start : start + self.block_size], header.theta)
                if pos + 1 == len(starts):
                    f.close()
                    cursors.pop(k)
                else:
                    cursors[k][3] = pos + 1
                m = x.shape[0]
                buf_x[count : count + m], buf_t[count : count + m] = x, th
                count += m
                while count > self.buffer_size:
                    count -= 1
                    yield self._pop(buf_x, buf_t, count, rng)
            while count > 0:
                count -= 1
                yield self._pop(buf_x, buf_t, count, rng)
        finally:
            for cursor in cursors:
                cursor[0].close()

    @staticmethod
    def _pop(
        buf_x: np.ndarray, buf_t: np.ndarray, last: int, rng: np.random.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        # Take a uniformly random row out of rows 0..last and move row `last` into its slot.
        j = int(rng.integers(last + 1))
        x, t = torch.from_numpy(buf_x[j].copy()), torch.from_numpy(buf_t[j].copy())
        buf_x[j], buf_t[j] = buf_x[last], buf_t[last]
        return x, t

"""Transport parameters θ, their valid ranges, and the paper's parameter grids.

θ is always ``(sn_rate, log10_ecut, gamma, delta, kappa0)`` in this order
(paper Table 1, ``sample_by_par`` order) and in these units:

=============  =============================================  ==================
field          meaning                                        unit
=============  =============================================  ==================
``sn_rate``    supernova rate R_SN of the Galaxy              1e4 Myr⁻¹
``log10_ecut`` log10 of the source cutoff energy E_cut        log10(E / GeV)
``gamma``      source spectral index γ                        —
``delta``      diffusion spectral index δ                     —
``kappa0``     diffusion normalisation κ₀ at 1 GeV            1e28 cm² s⁻¹
=============  =============================================  ==================
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch

#: Names of the five parameters, in order.
PARAM_NAMES: tuple[str, ...] = ("sn_rate", "log10_ecut", "gamma", "delta", "kappa0")

#: Ranges in which the forward model is physically meaningful (open or closed as noted
#: in :data:`PHYSICAL_RANGES_TEXT`); wider than the training domain.
PHYSICAL_RANGES: dict[str, tuple[float, float]] = {
    "sn_rate": (0.0, 1e3),  # (0, 1e3]: rate > 0
    "log10_ecut": (1.0, 8.0),
    "gamma": (1.0, 4.0),
    "delta": (0.0, 2.0),  # (0, 2]
    "kappa0": (0.0, 1e3),  # (0, 1e3]
}
_OPEN_LOW = {"sn_rate", "delta", "kappa0"}

#: Training domain of the paper's Table 1: (low, high, step) per parameter.
TABLE1: dict[str, tuple[float, float, float]] = {
    "sn_rate": (0.5, 3.0, 0.5),
    "log10_ecut": (3.5, 5.5, 0.25),
    "gamma": (1.8, 2.6, 0.2),
    "delta": (0.2, 1.0, 0.2),
    "kappa0": (1.0, 9.0, 2.0),
}


class Params(NamedTuple):
    """One parameter point θ (units in the module docstring).

    Examples
    --------
    >>> Params(sn_rate=2.0, log10_ecut=4.5, gamma=2.2, delta=0.6, kappa0=5.0)
    Params(sn_rate=2.0, log10_ecut=4.5, gamma=2.2, delta=0.6, kappa0=5.0)
    """

    sn_rate: float
    log10_ecut: float
    gamma: float
    delta: float
    kappa0: float

    @property
    def ecut(self) -> float:
        """Cutoff energy E_cut [GeV]."""
        return 10.0**self.log10_ecut


ThetaLike = Params | Sequence[float] | np.ndarray | torch.Tensor

#: Centre point of the paper's Fig. 3.
FIG3_CENTRE = Params(2.0, 4.5, 2.2, 0.6, 5.0)
#: Single-point setup of the paper's §3.2 (R_SN outside Table 1).
SINGLE_POINT = Params(4.55, 4.0, 2.2, 0.6, 3.0)


def _range_text(name: str) -> str:
    lo, hi = PHYSICAL_RANGES[name]
    return f"{'(' if name in _OPEN_LOW else '['}{lo:g}, {hi:g}]"


def as_theta(theta: ThetaLike) -> torch.Tensor:
    """Convert θ to a float64 tensor of shape ``(..., 5)`` and validate it.

    Parameters
    ----------
    theta
        A :class:`Params`, a sequence of five numbers, or an array/tensor of shape
        ``(..., 5)`` in :data:`PARAM_NAMES` order.

    Returns
    -------
    torch.Tensor
        float64, shape ``(..., 5)``, on the input's device (CPU for non-tensors).

    Raises
    ------
    ValueError
        If the shape is wrong or any value is non-finite or outside
        :data:`PHYSICAL_RANGES`; the message names the parameter, the value and the
        valid range.
    """
    if isinstance(theta, torch.Tensor):
        t = theta.detach().to(torch.float64)
    else:
        try:
            t = torch.as_tensor(np.asarray(theta, dtype=np.float64))
        except (TypeError, ValueError) as err:
            raise ValueError(f"theta must be 5 numbers {PARAM_NAMES}, got {theta!r}") from err
    if t.ndim == 0 or t.shape[-1] != 5:
        raise ValueError(
            f"theta must have a last dimension of 5 {PARAM_NAMES}, got shape {tuple(t.shape)}"
        )
    flat = t.reshape(-1, 5).cpu()
    for j, name in enumerate(PARAM_NAMES):
        col = flat[:, j]
        lo, hi = PHYSICAL_RANGES[name]
        low_bad = col <= lo if name in _OPEN_LOW else col < lo
        bad = ~torch.isfinite(col) | low_bad | (col > hi)
        if bool(bad.any()):
            value = float(col[bad][0])
            raise ValueError(
                f"parameter {name} = {value!r} is outside its valid range {_range_text(name)}"
            )
    return t


def as_params(theta: ThetaLike) -> Params:
    """Validate a single θ and return it as :class:`Params` (raises for a batch)."""
    t = as_theta(theta)
    if t.ndim != 1:
        raise ValueError(f"expected a single theta of shape (5,), got shape {tuple(t.shape)}")
    return Params(*(float(v) for v in t.tolist()))


def _axis(name: str, offset: bool) -> np.ndarray:
    lo, hi, step = TABLE1[name]
    n = int(round((hi - lo) / step)) + 1
    values = lo + step * np.arange(n)
    return (values[:-1] + 0.5 * step) if offset else values


def table1_grid(offset: bool = False) -> np.ndarray:
    """The paper's Table-1 grid, or its diagonally offset cell centres.

    Parameters
    ----------
    offset
        False: the 6·9·5·5·5 = 6750 training points.  True: the 5·8·4·4·4 = 2560
        cell centres, the points farthest from any training point (paper §3.3).

    Returns
    -------
    numpy.ndarray
        float64, shape ``(n_points, 5)``, rows in C order of the five axes.
    """
    axes = [_axis(name, offset) for name in PARAM_NAMES]
    return np.array(list(itertools.product(*axes)), dtype=np.float64)


def in_training_domain(theta: ThetaLike, atol: float = 1e-9) -> torch.Tensor:
    """Whether θ lies inside the Table-1 hyper-rectangle (bool tensor of shape ``(...)``)."""
    t = as_theta(theta)
    lo = torch.tensor([TABLE1[n][0] for n in PARAM_NAMES], dtype=t.dtype, device=t.device)
    hi = torch.tensor([TABLE1[n][1] for n in PARAM_NAMES], dtype=t.dtype, device=t.device)
    return ((t >= lo - atol) & (t <= hi + atol)).all(dim=-1)

"""Validated assembly of the forward model shared by the simulators and ``mean_flux``."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from crelike.params import Params, ThetaLike, as_params
from crelike.physics.constants import C_KPC_MYR
from crelike.physics.green import GreenFunction
from crelike.physics.losses import validate_losses
from crelike.physics.spatial import SPATIAL_KINDS, DistanceTable, distance_table
from crelike.physics.transport import E_VALID

#: Default energies: 19 points log-spaced from 10^1.5 to 10^4.5 GeV (1/6 decade).
ENERGIES: np.ndarray = np.logspace(1.5, 4.5, 19)
#: Valid halo half-heights [kpc].
Z_MAX_RANGE = (0.0, 50.0)
#: Source rate unit: R_SN is given in 1e4 Myr⁻¹.
RATE_UNIT = 1e4


def validate_energies(energies: object) -> np.ndarray:
    """Return energies [GeV] as a float64 1-D array or raise ``ValueError``.

    They must be finite, strictly increasing and inside ``E_VALID`` = [1, 1e6] GeV.
    """
    if energies is None:
        return ENERGIES.copy()
    if isinstance(energies, torch.Tensor):
        energies = energies.detach().cpu().numpy()
    try:
        e = np.asarray(energies, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"energies must be numbers in GeV, got {energies!r}") from err
    if e.ndim != 1 or e.size == 0:
        raise ValueError(f"energies must be a non-empty 1-D array, got shape {e.shape}")
    lo, hi = E_VALID
    bad = ~np.isfinite(e) | (e < lo) | (e > hi)
    if bad.any():
        raise ValueError(
            f"energies contains {e[bad][0]!r} GeV, outside the valid range [{lo:g}, {hi:g}] GeV"
        )
    if np.any(np.diff(e) <= 0):
        raise ValueError(f"energies must be strictly increasing, got {e.tolist()}")
    return e


def validate_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise a ``ValueError`` naming it."""
    if value not in choices:
        raise ValueError(f"{name} = {value!r} is not one of {choices}")
    return str(value)


def validate_z_max(z_max: float) -> float:
    """Return the halo half-height [kpc] or raise ``ValueError``."""
    z = float(z_max)
    if not (math.isfinite(z) and Z_MAX_RANGE[0] < z <= Z_MAX_RANGE[1]):
        raise ValueError(f"z_max = {z_max!r} kpc is outside the valid range (0, 50]")
    return z


def resolve_device(device: torch.device | str | None) -> torch.device:
    """Torch device from a user argument (default CPU); unavailable CUDA is an error."""
    dev = torch.device("cpu" if device is None else device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device = {str(device)!r} requested but CUDA is not available")
    return dev


@dataclass
class ForwardModel:
    """Everything needed to simulate or integrate one parameter point.

    Attributes
    ----------
    params, energies, losses, spatial, z_max, device
        The validated inputs (energies in GeV, z_max in kpc).
    green
        :class:`~crelike.physics.green.GreenFunction` on ``device``.
    distances
        Distance distribution of sources within s_max of the observer.
    source_rate
        Mean number of sources per Myr within s_max: R_SN · 1e4 · F(s_max) [Myr⁻¹].
    """

    params: Params
    energies: np.ndarray
    losses: str
    spatial: str
    z_max: float
    device: torch.device
    green: GreenFunction
    distances: DistanceTable
    source_rate: float

    @property
    def t_max(self) -> float:
        """Oldest contributing age τ(E_min, ∞) [Myr]."""
        return float(self.green.loss_time[0])

    @property
    def light_speed(self) -> float:
        """C [kpc Myr⁻¹], for the causal cut s ≤ c t."""
        return C_KPC_MYR


def build_model(
    theta: ThetaLike,
    energies: object = None,
    *,
    losses: str = "kn",
    spatial: str = "spiral",
    z_max: float = 4.0,
    device: torch.device | str | None = None,
) -> ForwardModel:
    """Validate every input and assemble a :class:`ForwardModel`."""
    params = as_params(theta)
    e = validate_energies(energies)
    validate_losses(losses)
    validate_choice("spatial", spatial, SPATIAL_KINDS)
    z = validate_z_max(z_max)
    dev = resolve_device(device)
    green = GreenFunction(params, e, losses, z, dev)
    distances = distance_table(spatial)
    rate = params.sn_rate * RATE_UNIT * distances.fraction
    return ForwardModel(params, e, losses, spatial, z, dev, green, distances, rate)

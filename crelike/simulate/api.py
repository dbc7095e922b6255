"""The public ``simulate`` entry point: validation, then the chosen method."""

from __future__ import annotations

import torch

from crelike.params import ThetaLike
from crelike.simulate.exact import new_seed, simulate_exact
from crelike.simulate.fast import TOL_DEFAULT, simulate_fast, validate_tol
from crelike.simulate.model import build_model, validate_choice

#: Simulation methods: every source summed, or near sources plus the far field's moments.
METHODS: tuple[str, ...] = ("exact", "fast")


def simulate(
    theta: ThetaLike,
    n: int,
    *,
    energies: object = None,
    method: str = "exact",
    losses: str = "kn",
    spatial: str = "spiral",
    z_max: float = 4.0,
    seed: int | None = None,
    device: torch.device | str | None = None,
    progress: bool = False,
    tol: float = TOL_DEFAULT,
) -> torch.Tensor:
    """Monte Carlo realisations of the stochastic all-electron flux.

    Parameters
    ----------
    theta
        (sn_rate [1e4 Myr⁻¹], log10_ecut [log10 GeV], gamma, delta, kappa0
        [1e28 cm² s⁻¹]) as a :class:`~crelike.Params`, a sequence or a tensor of shape (5,).
    n
        Number of realisations (≥ 1).
    energies
        Observed energies [GeV], strictly increasing, within [1, 1e6] GeV; default
        :data:`crelike.ENERGIES` (19 points, 10^1.5–10^4.5 GeV).
    method
        ``"exact"``: every source drawn and summed.  ``"fast"``: sources that can add
        more than ε of the expected flux drawn one by one, the rest replaced by the
        exact mean, covariance and skewness of their sum
        (:mod:`crelike.simulate.fast`); 100–1000× faster, same statistics.
    losses
        ``"kn"`` (synchrotron + exact Klein–Nishina inverse Compton) or ``"thomson"``.
    spatial
        Source distribution: ``"spiral"`` (default), ``"radial"`` or ``"uniform"``.
    z_max
        Halo half-height [kpc].
    seed
        Seed of the torch generator; None draws a fresh one.
    device
        Torch device to simulate on (default CPU); the result lives there.
    progress
        Show a progress bar over realisations.
    tol
        ``method="fast"`` only: bound on the far field's quantile error in units of its
        standard deviation, in [1e-4, 1] (default 0.02); smaller means more sources
        drawn one by one.

    Returns
    -------
    torch.Tensor
        φ [GeV⁻¹ m⁻² s⁻¹ sr⁻¹], float64, shape (n, len(energies)).

    Raises
    ------
    ValueError
        For any invalid input; the message names the parameter, value and valid range.
    """
    validate_choice("method", method, METHODS)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n = {n!r} must be an integer >= 1")
    model = build_model(theta, energies, losses=losses, spatial=spatial, z_max=z_max, device=device)
    tol = validate_tol(tol)
    if seed is None:
        seed = new_seed()
    if method == "fast":
        return simulate_fast(model, n, int(seed), tol=tol, progress=progress)
    return simulate_exact(model, n, int(seed), progress=progress)

"""Expected flux of the stochastic model by quadrature (the smooth-source prediction).

For a Poisson field of sources with rate R_SN per Myr and distance density f_s(s)
(fraction of all Galactic sources per kpc, s ≤ s_max),

    ⟨φ(E)⟩ = (c/4π) R_SN ∫₀^∞ dt ∫₀^{min(s_max, ct)} ds f_s(s) n(s, t, E).

Two substitutions make the integrand smooth.  Time → initial energy: dt =
dE₀/|b(E₀)|, which cancels the |b(E₀)| of the Green's function; then
ln(E₀/E) = w², which absorbs the (4π l²)^{−1/2} ∝ w⁻¹ of the vertical factor.
Distance: the planar Gaussian integrates against the source density with
:func:`crelike.simulate.planar.shell_integral`, accurate whether l is metres or
kiloparsecs.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from numpy.polynomial.legendre import leggauss

from crelike.params import ThetaLike
from crelike.physics.constants import FLUX_FACTOR
from crelike.physics.halo import halo_suppression, halo_table
from crelike.physics.transport import (
    E_TABLE_MAX,
    loss_length2,
    loss_length_table,
    loss_tables,
)
from crelike.simulate.model import RATE_UNIT, ForwardModel, build_model
from crelike.simulate.planar import shell_integral

#: Panels × nodes of the Gauss–Legendre rule in w and nodes in the distance variable.
W_PANELS, W_NODES, P_NODES = 160, 8, 32
#: The spectrum is integrated up to E₀ = 60 max(E, E_cut) (e^{−60} of the cutoff).
CUTOFF_REACH = 60.0


def mean_flux(
    theta: ThetaLike,
    energies: object = None,
    *,
    losses: str = "kn",
    spatial: str = "spiral",
    z_max: float = 4.0,
) -> torch.Tensor:
    """Expected flux ⟨φ(E)⟩ [GeV⁻¹ m⁻² s⁻¹ sr⁻¹] of the stochastic model.

    Parameters
    ----------
    theta
        Parameter point (see :class:`~crelike.Params`).
    energies
        Energies [GeV]; default :data:`crelike.ENERGIES`.
    losses, spatial, z_max
        As in :func:`crelike.simulate`.

    Returns
    -------
    torch.Tensor
        float64, shape (len(energies),).

    Notes
    -----
    The flux distribution has infinite variance (paper ref. 27), so a Monte Carlo
    sample mean converges slowly and from below towards this value, worst at high
    energy and small κ₀, δ, R_SN.
    """
    model = build_model(theta, energies, losses=losses, spatial=spatial, z_max=z_max)
    return expected_flux(model)


def expected_flux(model: ForwardModel, min_age: torch.Tensor | None = None) -> torch.Tensor:
    """⟨φ(E)⟩ [GeV⁻¹ m⁻² s⁻¹ sr⁻¹] for an assembled model (Campbell's theorem, k = 1).

    Parameters
    ----------
    model
        The forward model (any device; computed on the CPU).
    min_age
        Optional per-energy lower age bound [Myr], shape (D,): only sources at least
        this old count.

    Returns
    -------
    torch.Tensor
        float64, shape (D,), on ``model.device``.
    """
    return (FLUX_FACTOR * campbell_integral(model, 1, min_age)).to(model.device)


def flux_variance(model: ForwardModel, min_age: torch.Tensor) -> torch.Tensor:
    """Var[φ(E)] [(GeV⁻¹ m⁻² s⁻¹ sr⁻¹)²] from sources older than ``min_age`` (k = 2).

    Campbell's theorem for a Poisson field: Var φ = (c/4π)² R ∫∫ n² f_s ds dt.  It is
    finite only with an age bound (young, near sources make the full variance
    diverge), which is why ``min_age`` is required.
    """
    return (FLUX_FACTOR**2 * campbell_integral(model, 2, min_age)).to(model.device)


def campbell_integral(
    model: ForwardModel, power: int, min_age: torch.Tensor | None = None
) -> torch.Tensor:
    """R_SN ∫dt ∫ds f_s(s) n(s, t, E)^power per energy [(GeV⁻¹ kpc⁻³)^power], on the CPU."""
    green = model.green
    cpu = torch.device("cpu")
    p = model.params
    tables = loss_tables(model.losses)
    u = green.u.to(cpu)[:, None, None]
    loss_time = green.loss_time.to(cpu)[:, None, None]
    ln_rate = green.ln_rate.to(cpu)[:, None, None]
    rate_over_e = green.rate_over_e.to(cpu)[:, None, None]
    c_table = loss_length_table(model.losses, float(p.delta))
    halo = halo_table()

    # w-range per energy: from the youngest admitted age to the cutoff's reach.
    u_flat = green.u.to(cpu)
    reach_e = torch.clamp(torch.exp(u_flat), min=p.ecut)
    u_hi = torch.log(torch.clamp(CUTOFF_REACH * reach_e, max=0.5 * E_TABLE_MAX))
    if min_age is None:
        w_lo = torch.zeros_like(u_flat)
    else:
        remaining = green.loss_time.to(cpu) - min_age.to(cpu, torch.float64)
        u_lo = tables.u_of_y(-torch.log(torch.clamp(remaining, min=1e-300)))
        w_lo = torch.sqrt(torch.clamp(u_lo - u_flat, min=0.0))
    w_hi = torch.maximum(torch.sqrt(torch.clamp(u_hi - u_flat, min=0.0)), w_lo)

    x, wx = _composite_gl(W_PANELS, W_NODES)
    w = (w_lo[:, None] + (w_hi - w_lo)[:, None] * x)[:, :, None]  # (D, Nw, 1)
    jac = (w_hi - w_lo)[:, None] * wx
    u0 = u + w * w
    age = torch.clamp(loss_time - torch.exp(tables.ln_loss_time(u0)), min=0.0)
    l2 = loss_length2(u, u0, age, p.delta, p.kappa0, c_table, rate_over_e)
    l2 = torch.clamp(l2, min=1e-300)
    ln_q = green.ln_q0 - p.gamma * u0 - torch.exp(u0) / p.ecut
    # dt = E₀ du₀/|b(E₀)|; n carries [Q(E₀)|b(E₀)|/|b(E)|]^power.
    ln_time_part = power * (ln_q - ln_rate) + u0 + (power - 1) * tables.ln_loss_rate(u0)
    # n^k carries e^{−k s²/4l²}: the planar integral J(α = k/4l²; 0, min(s_max, ct)).
    reach = torch.clamp(model.light_speed * age, max=model.distances.s_max)
    planar = shell_integral(
        model.distances, power / (4.0 * l2), torch.zeros_like(reach), reach**2, P_NODES
    )
    spatial = (
        (4 * math.pi * l2) ** (-1.5 * power)
        * halo_suppression(l2, model.z_max, halo) ** power
        * planar
    )
    integrand = torch.exp(ln_time_part) * spatial * 2.0 * w
    return p.sn_rate * RATE_UNIT * (integrand[..., 0] * jac).sum(dim=-1)


def _composite_gl(panels: int, nodes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Nodes and weights of a composite Gauss–Legendre rule on [0, 1]."""
    x, wx = leggauss(nodes)
    edges = np.linspace(0.0, 1.0, panels + 1)
    lo, hi = edges[:-1, None], edges[1:, None]
    return (
        torch.as_tensor((0.5 * (hi - lo) * x + 0.5 * (hi + lo)).ravel()),
        torch.as_tensor((0.5 * (hi - lo) * wx).ravel()),
    )

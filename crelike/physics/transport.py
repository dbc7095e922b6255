"""Loss time, initial energy and loss length: tabulated once, inverted in O(1).

For a loss model with rate |b(E)| (:mod:`crelike.physics.losses`) define
T(E) = τ(E, ∞) = ∫_E^∞ dE'/|b| [Myr].  A source of age t contributes at E only if
t < T(E), and then its electrons started at E₀ = T⁻¹(T(E) − t).  The squared
diffusion (loss) length is l² = ∫_E^{E₀} κ/|b| dE' with κ = κ₀ (E/GeV)^δ.

Everything is tabulated on a uniform grid in u = ln(E/GeV) (step 0.005, float64)
with exact slopes and cubic Hermite interpolation (~1e-12 relative):

* ln T(u), and its inverse u(y) with y = −ln T on a uniform y grid, so that
  E₀ = exp(u(−ln(T(E) − t))) costs two lookups;
* C_δ(u) = −∫_u^{u_top} e^{(1+δ)u'}/|b| du', anchored at the top of the grid so that
  the difference C(u₀) − C(u) has no catastrophic cancellation for any δ ≤ 1
  (anchoring at the bottom loses ~6 digits at TeV energies for δ = 0.2).
For t ≪ T(E), where even the anchored difference cancels, l² uses the expansion
κ(E) t [1 + δ |b(E)| t / (2E)] (third-order error (|b|t/E)² < 1e-8).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from numpy.polynomial.legendre import leggauss

from crelike.physics.constants import KAPPA_UNIT
from crelike.physics.interp import UniformHermite
from crelike.physics.losses import loss_rate, validate_losses

#: Table range in energy [GeV] and grid step in ln E.
E_TABLE_MIN, E_TABLE_MAX, LN_STEP = 1e-2, 1e9, 0.005
#: Valid range of requested energies [GeV]; the table extends far beyond it so that
#: initial energies E₀ ≫ E are still covered.
E_VALID = (1.0, 1e6)
#: Below this value of |b(E)| t / E the loss length uses its series expansion.
SERIES_SWITCH = 1e-4

_GL_NODES, _GL_WEIGHTS = leggauss(4)


@dataclass(frozen=True)
class LossTables:
    """Tables of one loss model (build with :func:`loss_tables`).

    Attributes
    ----------
    losses
        The loss model name.
    ln_loss_time
        ln T(u) [ln Myr] on the u = ln(E/GeV) grid.
    u_of_y
        Inverse: u as a function of y = −ln T.
    ln_loss_rate
        ln |b|(u) [ln(GeV Myr⁻¹)].
    u_nodes, b_nodes
        Gauss–Legendre nodes (4 per cell) in u and |b| there, for the loss-length tables.
    """

    losses: str
    ln_loss_time: UniformHermite
    u_of_y: UniformHermite
    ln_loss_rate: UniformHermite
    u_nodes: np.ndarray
    b_nodes: np.ndarray

    @property
    def u_grid(self) -> np.ndarray:
        """Grid abscissae u = ln(E/GeV)."""
        t = self.ln_loss_time
        return t.x0 + t.h * np.arange(t.n)

    def loss_time(self, energy: np.ndarray | float) -> np.ndarray:
        """T(E) = τ(E, ∞) [Myr] for E [GeV] (numpy)."""
        return np.exp(self.ln_loss_time.numpy(np.log(np.asarray(energy, dtype=np.float64))))

    def initial_energy(self, energy: np.ndarray, age: np.ndarray) -> np.ndarray:
        """E₀ [GeV] of electrons seen at E [GeV] after ``age`` [Myr]; inf where age ≥ T(E)."""
        energy, age = np.broadcast_arrays(np.asarray(energy, float), np.asarray(age, float))
        remaining = self.loss_time(energy) - age
        with np.errstate(divide="ignore", invalid="ignore"):
            u0 = self.u_of_y.numpy(-np.log(np.where(remaining > 0, remaining, 1.0)))
        return np.where(remaining > 0, np.exp(u0), np.inf)


@lru_cache(maxsize=4)
def loss_tables(losses: str = "kn") -> LossTables:
    """Build (once per loss model) the loss-time tables; see the module docstring."""
    validate_losses(losses)
    u0, u1, h = np.log(E_TABLE_MIN), np.log(E_TABLE_MAX), LN_STEP
    n = int(np.ceil((u1 - u0) / h)) + 1
    u = u0 + h * np.arange(n)
    energy = np.exp(u)
    rate = loss_rate(energy, losses)
    # Cell integrals of ∫ dE/|b| = ∫ E/|b| du by 4-point Gauss–Legendre (error ~ h⁹).
    u_nodes = (0.5 * h * _GL_NODES + 0.5 * (u[:-1, None] + u[1:, None])).ravel()
    b_nodes = loss_rate(np.exp(u_nodes), losses)
    weights = np.tile(0.5 * h * _GL_WEIGHTS, n - 1)
    cells = (weights * np.exp(u_nodes) / b_nodes).reshape(n - 1, 4).sum(axis=1)
    # Above the grid |b| ∝ E² to ~1e-8 (synchrotron dominates), so ∫_E^∞ dE/|b| = E/|b|.
    tail = energy[-1] / rate[-1]
    loss_time = np.concatenate([np.cumsum(cells[::-1])[::-1], [0.0]]) + tail
    ln_t = np.log(loss_time)
    dln_t = -energy / (rate * loss_time)
    ln_loss_time = UniformHermite(u0, h, ln_t, dln_t)

    # Inverse table u(y), y = −ln T, on a uniform y grid: Newton on the forward interpolant.
    y = np.linspace(-ln_t[0], -ln_t[-1], n)
    uy = torch.as_tensor(np.interp(y, -ln_t, u))
    target = torch.as_tensor(y)
    for _ in range(6):
        uy = uy - (-ln_loss_time(uy) - target) / (-ln_loss_time.derivative(uy))
        uy = torch.clamp(uy, u0, u[-1])
    uy_np = uy.numpy()
    t_at = np.exp(ln_loss_time.numpy(uy_np))
    du_dy = loss_rate(np.exp(uy_np), losses) * t_at / np.exp(uy_np)
    u_of_y = UniformHermite(y[0], y[1] - y[0], uy_np, du_dy)
    ln_loss_rate = UniformHermite(u0, h, np.log(rate), _dln_rate(energy, losses))
    return LossTables(losses, ln_loss_time, u_of_y, ln_loss_rate, u_nodes, b_nodes)


def _dln_rate(energy: np.ndarray, losses: str) -> np.ndarray:
    """D ln|b| / d ln E by a centred difference of the exact rate (step 1e-4 in ln E)."""
    eps = 1e-4
    hi = loss_rate(energy * np.exp(eps), losses)
    lo = loss_rate(energy * np.exp(-eps), losses)
    return (np.log(hi) - np.log(lo)) / (2 * eps)


@lru_cache(maxsize=64)
def loss_length_table(losses: str, delta: float) -> UniformHermite:
    """C_δ(u) = −∫_u^{u_top} e^{(1+δ)u'}/|b(e^{u'})| du' [kpc² per κ-unit... Myr GeV^δ].

    l² between E and E₀ is ``κ₀ · KAPPA_UNIT · (C(ln E₀) − C(ln E))`` [kpc²] with κ₀ in
    1e28 cm² s⁻¹.  Anchoring at the top keeps the difference well conditioned.
    """
    tables = loss_tables(losses)
    grid = tables.u_grid
    h = tables.ln_loss_time.h
    n = grid.size
    integrand_nodes = np.exp((1.0 + delta) * tables.u_nodes) / tables.b_nodes
    weights = np.tile(0.5 * h * _GL_WEIGHTS, n - 1)
    cells = (weights * integrand_nodes).reshape(n - 1, 4).sum(axis=1)
    values = -np.concatenate([np.cumsum(cells[::-1])[::-1], [0.0]])
    slopes = np.exp((1.0 + delta) * grid) / loss_rate(np.exp(grid), losses)
    return UniformHermite(grid[0], h, values, slopes)


def t_max(energies: np.ndarray | float, losses: str = "kn") -> float:
    """Oldest source age [Myr] that can contribute at the lowest requested energy.

    t_max = τ(E_min, ∞): older sources cannot reach the observer at any requested
    energy, so drawing ages on [0, t_max] is complete (≈ 6.5 Myr for Thomson losses at
    10^1.5 GeV; larger with Klein–Nishina because the optical and UV losses are suppressed).
    """
    e_min = float(np.min(np.asarray(energies, dtype=np.float64)))
    return float(loss_tables(losses).loss_time(e_min))


def loss_length2(
    u: torch.Tensor,
    u0: torch.Tensor,
    age: torch.Tensor,
    delta: float,
    kappa0: float,
    c_table: UniformHermite,
    rate_over_e: torch.Tensor,
) -> torch.Tensor:
    """Squared loss length l² [kpc²] between E = eᵘ and E₀ = e^{u₀} after ``age`` [Myr].

    Parameters
    ----------
    u, u0
        ln(E/GeV) and ln(E₀/GeV), broadcastable.
    age
        Source age t [Myr] (used by the small-t expansion).
    delta, kappa0
        Diffusion index and normalisation [1e28 cm² s⁻¹].
    c_table
        :func:`loss_length_table` for this δ and loss model (on the tensors' device).
    rate_over_e
        |b(E)|/E [Myr⁻¹] at ``u``.
    """
    k = kappa0 * KAPPA_UNIT
    table = k * (c_table(u0) - c_table(u))
    x = rate_over_e * age
    series = k * torch.exp(delta * u) * age * (1.0 + 0.5 * delta * x)
    return torch.where(x < SERIES_SWITCH, series, table)

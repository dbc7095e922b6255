"""The speed reference: the paper's method in plain numpy.

Every source (ages on [0, t_ref], t_ref = max(7 Myr, τ(E_min, ∞)) as in the paper)
times every energy, one realisation at a time, with the same physics tables as
crelike (linear interpolation on the same fine grids).  It is deliberately
straightforward: the baseline the vectorised torch simulator is measured against.
"""

from __future__ import annotations

import numpy as np

from crelike.params import Params
from crelike.physics.constants import C_KPC_MYR, FLUX_FACTOR, KAPPA_UNIT
from crelike.physics.halo import halo_factor
from crelike.physics.spatial import distance_table
from crelike.physics.spectrum import source_normalisation
from crelike.physics.transport import loss_length_table, loss_tables
from crelike.simulate.model import RATE_UNIT

PAPER_T_MAX = 7.0  # Myr


class NumpyReference:
    """Plain numpy Monte Carlo of one parameter point (see the module docstring)."""

    def __init__(
        self,
        theta: Params,
        energies: np.ndarray,
        losses: str = "kn",
        spatial: str = "spiral",
        z_max: float = 4.0,
    ) -> None:
        self.theta, self.energies, self.z_max = theta, np.asarray(energies, float), z_max
        tables = loss_tables(losses)
        self.u_grid = tables.u_grid
        inv = tables.u_of_y
        self.y_grid = inv.x0 + inv.h * np.arange(inv.n)
        self.u_of_y = inv.numpy(self.y_grid)
        self.ln_rate = tables.ln_loss_rate.numpy(self.u_grid)
        self.c_grid = loss_length_table(losses, theta.delta).numpy(self.u_grid)
        self.loss_time = tables.loss_time(self.energies)
        self.t_ref = max(PAPER_T_MAX, float(self.loss_time[0]))
        self.dist = distance_table(spatial)
        self.rate = theta.sn_rate * RATE_UNIT * self.dist.fraction
        self.q0 = source_normalisation(theta.gamma, theta.ecut)

    def realisation(self, rng: np.random.Generator) -> np.ndarray:
        """One flux realisation φ [GeV⁻¹ m⁻² s⁻¹ sr⁻¹], shape (D,)."""
        th = self.theta
        n_src = rng.poisson(self.rate * self.t_ref)
        age = rng.uniform(0, self.t_ref, n_src)[:, None]
        s2 = np.interp(rng.uniform(size=n_src), self.dist.cdf, self.dist.s**2)[:, None]
        u = np.log(self.energies)[None, :]
        remaining = self.loss_time[None, :] - age
        alive = (remaining > 0) & (s2 <= (C_KPC_MYR * age) ** 2)
        y0 = -np.log(np.where(alive, remaining, 1.0))
        u0 = np.interp(y0, self.y_grid, self.u_of_y)
        c_e = np.interp(u, self.u_grid, self.c_grid)
        l2 = th.kappa0 * KAPPA_UNIT * (np.interp(u0, self.u_grid, self.c_grid) - c_e)
        rate_over_e = np.exp(np.interp(u, self.u_grid, self.ln_rate) - u)
        small = rate_over_e * age < 1e-4
        l2 = np.where(small, th.kappa0 * KAPPA_UNIT * np.exp(th.delta * u) * age, l2)
        l2 = np.where(alive & (l2 > 0), l2, 1.0)
        ln_n = (
            np.log(self.q0)
            - th.gamma * u0
            - np.exp(u0) / th.ecut
            + np.interp(u0, self.u_grid, self.ln_rate)
            - np.interp(u, self.u_grid, self.ln_rate)
            - 1.5 * np.log(4 * np.pi * l2)
            - s2 / (4 * l2)
        )
        n = np.exp(ln_n) * halo_factor(l2 / self.z_max**2)
        return FLUX_FACTOR * np.where(alive, n, 0.0).sum(axis=0)

    def simulate(self, n: int, seed: int) -> np.ndarray:
        """``n`` realisations, shape (n, D)."""
        rng = np.random.default_rng(seed)
        return np.stack([self.realisation(rng) for _ in range(n)])

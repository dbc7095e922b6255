"""Green's function of one burst-like source seen at several energies (paper eqs. 2.5–2.9).

A source at distance s in the Galactic plane that injected Q(E₀) a time t ago
contributes the differential density

    n(s, t, E) = Q(E₀) |b(E₀)|/|b(E)| · (4π l²)^{−3/2} exp(−s²/4l²) · H(l²/z_max²)

[GeV⁻¹ kpc⁻³], with E₀ and l² from :mod:`crelike.physics.transport` and the halo
suppression H from :mod:`crelike.physics.halo`.

Speed matters here (it is the Monte Carlo's inner loop), so everything that depends
on E₀ alone is tabulated once per parameter point as a function of
y = −ln(τ(E, ∞) − t) — the variable the age gives directly — on the uniform grid of
the inverse loss-time table: ln[Q(E₀)|b(E₀)|] and the anchored loss-length integral
C_δ(ln E₀).  One index computation then serves both cubic evaluations.  The product
is formed in log space so that neither the cutoff nor the Gaussian underflows into
NaN, and contributions from t ≥ τ(E, ∞) are exactly zero.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from crelike.params import Params
from crelike.physics.constants import KAPPA_UNIT
from crelike.physics.halo import halo_suppression, halo_table
from crelike.physics.interp import UniformHermite
from crelike.physics.losses import loss_rate
from crelike.physics.spectrum import W_E_DEFAULT, source_normalisation
from crelike.physics.transport import SERIES_SWITCH, loss_length_table, loss_tables


class GreenFunction:
    """n(s, t, E) of one parameter point on a fixed energy grid, on one device.

    Parameters
    ----------
    params
        The parameter point θ.
    energies
        Observed energies E [GeV], strictly increasing.
    losses
        Loss model, ``"kn"`` or ``"thomson"``.
    z_max
        Halo half-height [kpc].
    device
        Torch device for all tables and outputs.
    w_e
        Energy in electrons above 1 GeV per source [erg].
    """

    def __init__(
        self,
        params: Params,
        energies: np.ndarray,
        losses: str,
        z_max: float,
        device: torch.device,
        w_e: float = W_E_DEFAULT,
    ) -> None:
        self.params = params
        self.losses = losses
        self.z_max = float(z_max)
        self.device = device
        tables = loss_tables(losses)
        c_table = loss_length_table(losses, float(params.delta))
        self.ln_q0 = math.log(source_normalisation(params.gamma, params.ecut, w_e))
        self._c_table = c_table.to(device)
        self._halo = halo_table().to(device)
        self.kappa = float(params.kappa0) * KAPPA_UNIT  # [kpc² Myr⁻¹ at 1 GeV]

        # Tables in y: source term ln[Q(E₀)|b(E₀)|] and C_δ(ln E₀), sharing one grid.
        inv = tables.u_of_y
        y = inv.x0 + inv.h * np.arange(inv.n)
        u0 = inv.numpy(y)
        du_dy = inv.derivative(torch.as_tensor(y)).numpy()
        e0 = np.exp(u0)
        rate0 = loss_rate(e0, losses)
        dln_rate = tables.ln_loss_rate.derivative(torch.as_tensor(u0)).numpy()
        source = self.ln_q0 - params.gamma * u0 - e0 / params.ecut + np.log(rate0)
        dsource = (-params.gamma - e0 / params.ecut + dln_rate) * du_dy
        self._source_y = UniformHermite(inv.x0, inv.h, source, dsource, device)
        c_vals = c_table.numpy(u0)
        dc = np.exp((1.0 + params.delta) * u0) / rate0 * du_dy
        self._c_y = UniformHermite(inv.x0, inv.h, c_vals, dc, device)
        self._y_top = inv.x_max

        energies = np.asarray(energies, dtype=np.float64)
        self.u = torch.as_tensor(np.log(energies), device=device)
        #: τ(E, ∞) at each energy [Myr], decreasing with E.
        self.loss_time = torch.as_tensor(tables.loss_time(energies), device=device)
        self.ln_rate = tables.ln_loss_rate.to(device)(self.u)
        self.rate_over_e = torch.exp(self.ln_rate - self.u)
        self._c_at_e = self._c_table(self.u)
        self._kappa_e = self.kappa * torch.exp(params.delta * self.u)

    def profile(
        self, t: torch.Tensor, stop: int
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Distance-independent factors of n for ages ``t`` [Myr] at the first ``stop`` energies.

        Returns
        -------
        ln_a, l2, halo, alive
            ln of Q(E₀)|b(E₀)|/|b(E)| (4πl²)^{−3/2} [ln(GeV⁻¹ kpc⁻³)], l² [kpc²], the
            halo suppression H and a mask of contributing (age, energy) pairs, each of
            shape (N, stop); so that n(s) = exp(ln_a − s²/4l²) · H where ``alive``.
        """
        age = t[:, None]
        remaining = self.loss_time[:stop] - age
        alive = remaining > 0
        y0 = -torch.log(torch.where(alive, remaining, 1.0))
        # Beyond the table top E₀ > 1e9 GeV ≫ E_cut: the source contributes nothing.
        alive = alive & (y0 < self._y_top)
        idx, frac = self._source_y.locate(y0)
        source = self._source_y.at(idx, frac)
        l2_table = self.kappa * (self._c_y.at(idx, frac) - self._c_at_e[:stop])
        # t ≪ τ: the anchored difference cancels; use κ(E) t [1 + δ|b|t/2E] instead.
        x = self.rate_over_e[:stop] * age
        series = self._kappa_e[:stop] * age * (1.0 + 0.5 * self.params.delta * x)
        l2 = torch.where(x < SERIES_SWITCH, series, l2_table)
        l2 = torch.where(alive, l2, 1.0)
        ln_a = source - self.ln_rate[:stop] - 1.5 * torch.log(4.0 * math.pi * l2)
        halo = halo_suppression(l2, self.z_max, self._halo)
        return ln_a, l2, halo, alive

    def density(self, s: torch.Tensor, t: torch.Tensor, stop: int) -> torch.Tensor:
        """n(s, t, E_j) for the first ``stop`` energies [GeV⁻¹ kpc⁻³].

        Parameters
        ----------
        s, t
            Source distances [kpc] and ages [Myr], 1-D of length N, on this device.
        stop
            Number of leading energies to evaluate (the others are beyond every
            source's reach in the caller's age stratum).

        Returns
        -------
        torch.Tensor
            float64, shape (N, stop).
        """
        ln_a, l2, halo, alive = self.profile(t, stop)
        n = torch.exp(ln_a - (s * s)[:, None] / (4.0 * l2)) * halo
        return torch.where(alive, n, 0.0)

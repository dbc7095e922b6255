"""Green's function of one burst-like source seen at several energies (paper eqs. 2.5–2.9).

A source at distance s in the Galactic plane that injected Q(E₀) a time t ago
contributes the differential density

    n(s, t, E) = Q(E₀) |b(E₀)|/|b(E)| · (4π l²)^{−3/2} exp(−s²/4l²) · H(l²/z_max²)

[GeV⁻¹ kpc⁻³], with E₀ and l² from :mod:`crelike.physics.transport` and the halo
suppression H from :mod:`crelike.physics.halo`.  The product is evaluated in log
space so that neither the cutoff exp(−E₀/E_cut) nor the Gaussian underflows into
NaN, and contributions from t ≥ τ(E, ∞) are exactly zero.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from crelike.params import Params
from crelike.physics.halo import halo_suppression, halo_table
from crelike.physics.spectrum import W_E_DEFAULT, source_normalisation
from crelike.physics.transport import loss_length2, loss_length_table, loss_tables


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
        self.z_max = float(z_max)
        self.device = device
        tables = loss_tables(losses)
        self._u_of_y = tables.u_of_y.to(device)
        self._y_top = tables.u_of_y.x_max
        self._ln_rate = tables.ln_loss_rate.to(device)
        self._c_table = loss_length_table(losses, float(params.delta)).to(device)
        self._halo = halo_table().to(device)
        energies = np.asarray(energies, dtype=np.float64)
        self.u = torch.as_tensor(np.log(energies), device=device)
        #: τ(E, ∞) at each energy [Myr], decreasing with E.
        self.loss_time = torch.as_tensor(tables.loss_time(energies), device=device)
        self.ln_rate = self._ln_rate(self.u)
        self.rate_over_e = torch.exp(self.ln_rate - self.u)
        self.ln_q0 = math.log(source_normalisation(params.gamma, params.ecut, w_e))

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
        p = self.params
        u = self.u[:stop]
        age = t[:, None]
        remaining = self.loss_time[:stop] - age
        alive = remaining > 0
        y0 = -torch.log(torch.where(alive, remaining, torch.ones_like(remaining)))
        # Beyond the table top E₀ > 1e9 GeV ≫ E_cut: the source contributes nothing.
        alive = alive & (y0 < self._y_top)
        u0 = self._u_of_y(torch.clamp(y0, max=self._y_top))
        l2 = loss_length2(
            u, u0, age, p.delta, p.kappa0, self._c_table, self.rate_over_e[:stop]
        )
        l2 = torch.where(alive, l2, torch.ones_like(l2))
        ln_n = (
            self.ln_q0
            - p.gamma * u0
            - torch.exp(u0) / p.ecut
            + self._ln_rate(u0)
            - self.ln_rate[:stop]
            - 1.5 * torch.log(4.0 * math.pi * l2)
            - (s * s)[:, None] / (4.0 * l2)
        )
        n = torch.exp(ln_n) * halo_suppression(l2, self.z_max, self._halo)
        return torch.where(alive, n, torch.zeros_like(n))

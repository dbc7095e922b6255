"""Integrals of the planar Gaussian over the source distribution around the observer.

With the angle-averaged surface density σ(s) = f_s(s)/(2πs) [fraction kpc⁻²] every
moment of the Green's function needs

    J(α; a, b) = ∫_a^b 2πs σ(s) e^{−α s²} ds = (π/α) ∫_{αa²}^{αb²} σ(√(v/α)) e^{−v} dv.

The v-integral is done with nodes at the quantiles of the truncated exponential, so
the rule is accurate whether the Gaussian is metres or kiloparsecs wide compared with
the kpc scale on which σ varies.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch
from numpy.polynomial.legendre import leggauss

from crelike.physics.spatial import DistanceTable


@lru_cache(maxsize=8)
def sigma_table(table: DistanceTable) -> tuple[torch.Tensor, torch.Tensor]:
    """s² grid [kpc²] (uniform, from the distance table) and σ(s) there [kpc⁻²]."""
    s = np.asarray(table.s)
    sigma = np.empty_like(s)
    sigma[1:] = table.pdf[1:] / (2 * np.pi * s[1:])
    sigma[0] = sigma[1]  # σ(s) = σ_⊙ + O(s²): the first cell is flat to ~1e-4
    return torch.as_tensor(s**2), torch.as_tensor(sigma)


def interp_uniform(x: torch.Tensor, grid: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """Linear interpolation of ``values`` on the uniform ``grid`` (x clamped to its range)."""
    step = float(grid[1] - grid[0])
    z = torch.clamp((x - grid[0]) / step, 0.0, grid.numel() - 1.000001)
    i = torch.floor(z).to(torch.long)
    f = z - i
    return values[i] * (1 - f) + values[i + 1] * f


def shell_integral(
    table: DistanceTable,
    alpha: torch.Tensor,
    a2: torch.Tensor,
    b2: torch.Tensor,
    nodes: int = 16,
) -> torch.Tensor:
    """J(α; a, b) [fraction] for broadcastable α [kpc⁻²] > 0 and s² bounds a², b² [kpc²]."""
    s2_grid, sigma = sigma_table(table)
    p, wp = leggauss(nodes)
    p = torch.as_tensor(0.5 * (p + 1.0))
    wp = torch.as_tensor(0.5 * wp)
    va = (alpha * a2)[..., None]
    width = torch.clamp(alpha * (b2 - a2), min=0.0)[..., None]
    kept = -torch.expm1(-width)  # 1 − e^{−(vb − va)}
    v = va - torch.log1p(-p * kept)  # truncated-exponential quantiles
    sig = interp_uniform(v / alpha[..., None], s2_grid, sigma)
    return math.pi / alpha * (torch.exp(-va) * kept * sig * wp).sum(dim=-1)

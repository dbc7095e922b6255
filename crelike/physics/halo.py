"""Vertical escape from a halo of half-height z_max with free-escape boundaries.

For sources and observer in the Galactic plane the 3D Green's function factorises
into the planar Gaussian (4π l²)⁻¹ exp(−s²/4l²) and a vertical factor G_z(l).  We
work with the dimensionless suppression H = (4π l²)^{1/2} G_z as a function of
ξ = l² / z_max² (H → 1 for l ≪ z_max, free space):

* image series (mirror charges), fast for ξ ≲ 1:
  H = Σ_n (−1)ⁿ exp(−n²/ξ);
* eigen-series (cosine modes), fast for ξ ≳ 1:
  H = (4π ξ)^{1/2} Σ_{m odd} exp(−(mπ/2)² ξ).
Both are exact (Jacobi's theta identity) and agree to rounding where both converge;
:func:`halo_factor` switches at ξ = 1.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from crelike.physics.interp import UniformHermite

#: Terms kept in each series: at the switch ξ = 1 the first dropped terms are
#: e^{−N²} ≈ 1e-78 (images) and e^{−(2N+1)²π²/4} (modes).
N_TERMS = 12
#: Below / above this ξ the table returns exactly 1 / 0 (errors < 1e-300).
XI_TABLE = (1e-3, 1e3)


def image_series(xi: np.ndarray | float) -> np.ndarray:
    """H(ξ) from the image series (dimensionless; ξ = l²/z_max²)."""
    xi = np.asarray(xi, dtype=np.float64)[..., None]
    n = np.arange(1, N_TERMS + 1)
    return 1.0 + 2.0 * np.sum((-1.0) ** n * np.exp(-(n**2) / xi), axis=-1)


def eigen_series(xi: np.ndarray | float) -> np.ndarray:
    """H(ξ) from the eigen-function series (dimensionless; ξ = l²/z_max²)."""
    xi = np.asarray(xi, dtype=np.float64)[..., None]
    m = 2 * np.arange(N_TERMS) + 1
    return np.sqrt(4 * np.pi * xi[..., 0]) * np.sum(np.exp(-((m * np.pi / 2) ** 2) * xi), axis=-1)


def halo_factor(xi: np.ndarray | float) -> np.ndarray:
    """H(ξ) using whichever series converges fastest (switch at ξ = 1)."""
    xi = np.asarray(xi, dtype=np.float64)
    with np.errstate(over="ignore", divide="ignore"):
        return np.where(xi < 1.0, image_series(xi), eigen_series(xi))


def _dhalo_dlnxi(xi: np.ndarray) -> np.ndarray:
    """dH/d ln ξ, from the same series (exact slopes for the Hermite table)."""
    xi_ = xi[..., None]
    n = np.arange(1, N_TERMS + 1)
    image = 2.0 * np.sum((-1.0) ** n * (n**2 / xi_) * np.exp(-(n**2) / xi_), axis=-1)
    m = 2 * np.arange(N_TERMS) + 1
    k2 = (m * np.pi / 2) ** 2
    root = np.sqrt(4 * np.pi * xi)
    eigen = 0.5 * eigen_series(xi) - root * np.sum(k2 * xi_ * np.exp(-k2 * xi_), axis=-1)
    return np.where(xi < 1.0, image, eigen)


@lru_cache(maxsize=1)
def halo_table() -> UniformHermite:
    """Hermite table of H over ln ξ ∈ [ln 1e-3, ln 1e3] (step 2e-3, ~1e-13 accurate)."""
    lo, hi = np.log(XI_TABLE[0]), np.log(XI_TABLE[1])
    n = int(np.ceil((hi - lo) / 2e-3)) + 1
    lnxi = np.linspace(lo, hi, n)
    xi = np.exp(lnxi)
    return UniformHermite(lo, lnxi[1] - lnxi[0], halo_factor(xi), _dhalo_dlnxi(xi))


def halo_suppression(l2: torch.Tensor, z_max: float, table: UniformHermite) -> torch.Tensor:
    """H(l²/z_max²) for a tensor of l² [kpc²], clamped to 1 and 0 outside the table."""
    lnxi = torch.log(l2 / (z_max * z_max))
    lo, hi = table.x0, table.x_max
    value = table(torch.clamp(lnxi, lo, hi))
    return torch.where(lnxi < lo, torch.ones_like(value), torch.where(lnxi > hi, 0.0, value))

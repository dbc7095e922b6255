"""Energy losses of electrons: synchrotron plus inverse Compton with Klein–Nishina.

The loss rate is |b(E)| = b₀ E² [U_B + Σ_r U_r f_KN(x_r)], with b₀ from
:data:`~crelike.physics.constants.B0_THOMSON`, x_r = γ k_B T_r / (m_e c²) and
f_KN the ratio of the exact isotropic inverse-Compton loss rate on a blackbody
spectrum to its Thomson limit.  f_KN comes from the Compton kernel of Jones (1968)
in the form of Blumenthal & Gould (1970, eq. 2.48), integrated numerically over the
scattered-photon variable q and the Planck spectrum, tabulated once on a log grid
and interpolated.  The paper's eq. 2.4 (a first-order expansion) changes sign near
35 GeV with this radiation field and is deliberately not used (DESIGN.md §3).

``losses="thomson"`` keeps the same total energy density with f_KN ≡ 1; its closed
forms are the oracles of the transport tables.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.polynomial.legendre import leggauss
from scipy.interpolate import CubicSpline

from crelike.physics.constants import B0_THOMSON, K_B, ME_C2

#: Supported loss models.
LOSS_MODELS: tuple[str, ...] = ("kn", "thomson")
#: Magnetic energy density of B = 3 μG [eV cm⁻³].
U_B = 0.224
#: Interstellar radiation field as graybodies: (temperature [K], energy density [eV cm⁻³]).
ISRF: tuple[tuple[float, float], ...] = (
    (2.725, 0.26),
    (33.07, 0.254),
    (313.32, 0.0547),
    (3249.3, 0.37),
    (6150.4, 0.229),
    (23209.0, 0.1189),
)
#: Total energy density [eV cm⁻³] (≈ 1.51), used by both loss models.
U_TOTAL = U_B + sum(u for _, u in ISRF)

# Table range for f_KN(x): below 1e-7 the correction is < 1e-5 relative, above 1e5 the
# IC rate is irrelevant next to synchrotron at every energy crelike uses.
_X_LO, _X_HI, _X_N = 1e-8, 1e6, 561


def validate_losses(losses: str) -> str:
    """Return ``losses`` or raise ``ValueError`` naming the valid choices."""
    if losses not in LOSS_MODELS:
        raise ValueError(f"losses = {losses!r} is not one of {LOSS_MODELS}")
    return losses


def _kernel_ratio(gamma_e: np.ndarray) -> np.ndarray:
    """Loss rate on monochromatic photons over its Thomson limit.

    Parameters
    ----------
    gamma_e
        Γ = 4 ε γ / (m_e c²) for photon energy ε and electron Lorentz factor γ.

    Returns
    -------
    numpy.ndarray
        9 ∫₀¹ F(q, Γ) q (1 + Γq)⁻³ dq with the Blumenthal & Gould kernel
        F = 2q ln q + (1 + 2q)(1 − q) + (Γq)²(1 − q) / (2(1 + Γq)); equals 1 as Γ → 0
        (the Thomson value of the integral is 1/9).
    """
    g = np.asarray(gamma_e, dtype=np.float64)[..., None]
    # Integrate in ln q: the mass sits near q ~ 1/Γ for large Γ.  Composite
    # Gauss–Legendre on ln q ∈ [ln 1e-14, 0].
    nodes, weights = leggauss(24)
    edges = np.linspace(np.log(1e-14), 0.0, 41)
    lo, hi = edges[:-1, None], edges[1:, None]
    lnq = (0.5 * (hi - lo) * nodes + 0.5 * (hi + lo)).ravel()
    w = (0.5 * (hi - lo) * weights).ravel()
    q = np.exp(lnq)
    gq = g * q
    kernel = 2 * q * lnq + (1 + 2 * q) * (1 - q) + gq**2 * (1 - q) / (2 * (1 + gq))
    return 9.0 * np.sum(w * kernel * q * q / (1 + gq) ** 3, axis=-1)


def kn_ratio_exact(x: np.ndarray | float) -> np.ndarray:
    """Exact f_KN(x) for a blackbody by direct quadrature (slow; for tables and tests).

    Parameters
    ----------
    x
        γ k_B T / (m_e c²), dimensionless.

    Returns
    -------
    numpy.ndarray
        Ratio of the IC loss rate on a blackbody of temperature T to its Thomson
        limit, (15/π⁴) ∫ u³/(eᵘ − 1) R(4 x u) du with u = ε / k_B T.
    """
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
    u, w = _planck_nodes()
    return np.array([np.sum(w * _kernel_ratio(4.0 * xi * u)) for xi in x])


def _planck_nodes() -> tuple[np.ndarray, np.ndarray]:
    """Nodes u = ε/k_B T and weights for ∫ u³/(eᵘ − 1) g(u) du, normalised to π⁴/15 → 1."""
    nodes, weights = leggauss(32)
    edges = np.linspace(np.log(1e-5), np.log(60.0), 25)
    lo, hi = edges[:-1, None], edges[1:, None]
    lnu = (0.5 * (hi - lo) * nodes + 0.5 * (hi + lo)).ravel()
    u = np.exp(lnu)
    w = (0.5 * (hi - lo) * weights).ravel() * u**4 / np.expm1(u) * 15.0 / np.pi**4
    return u, w


@lru_cache(maxsize=1)
def _kn_table() -> CubicSpline:
    # Two stages keep the build fast (~0.3 s): the monochromatic ratio R(Γ) is smooth in
    # ln Γ, so it is splined first and then folded with the Planck spectrum.
    lng = np.linspace(np.log(1e-9), np.log(4e7), 1500)
    kernel = CubicSpline(lng, np.log(_kernel_ratio(np.exp(lng))))
    u, w = _planck_nodes()
    lnx = np.linspace(np.log(_X_LO), np.log(_X_HI), _X_N)
    arg = np.log(4.0 * np.exp(lnx)[:, None] * u)
    ratio_mono = np.where(arg < lng[0], 1.0, np.exp(kernel(np.clip(arg, lng[0], lng[-1]))))
    return CubicSpline(lnx, np.log(np.sum(w * ratio_mono, axis=-1)))


def kn_ratio(x: np.ndarray | float) -> np.ndarray:
    """Tabulated f_KN(x) for a blackbody (cubic spline in ln x, ln f; f → 1 as x → 0)."""
    x = np.asarray(x, dtype=np.float64)
    lnx = np.log(np.clip(x, _X_LO, _X_HI))
    return np.where(x < _X_LO, 1.0, np.exp(_kn_table()(lnx)))


def loss_rate(energy: np.ndarray | float, losses: str = "kn") -> np.ndarray:
    """Energy-loss rate |b(E)| = −dE/dt.

    Parameters
    ----------
    energy
        Electron energy E [GeV].
    losses
        ``"kn"`` (exact Klein–Nishina on each graybody) or ``"thomson"``.

    Returns
    -------
    numpy.ndarray
        |b(E)| [GeV Myr⁻¹].
    """
    validate_losses(losses)
    e = np.asarray(energy, dtype=np.float64)
    if losses == "thomson":
        return B0_THOMSON * U_TOTAL * e**2
    gamma_lorentz = e / ME_C2
    u_eff = np.full_like(e, U_B)
    for temperature, density in ISRF:
        u_eff = u_eff + density * kn_ratio(gamma_lorentz * K_B * temperature / ME_C2)
    return B0_THOMSON * u_eff * e**2

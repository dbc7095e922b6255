"""Source injection spectrum Q(E) = Q₀ (E/GeV)^−γ exp(−E/E_cut) (paper eq. 2.3).

Q₀ is fixed by the energy each source puts into electrons above 1 GeV,
W_e = ∫_{1 GeV}^∞ E Q dE, 1e48 erg by default (DESIGN.md §3).  A fit's free
amplitude A therefore measures W_e = A · 1e48 erg.
"""

from __future__ import annotations

import numpy as np
from numpy.polynomial.legendre import leggauss

from crelike.physics.constants import ERG_GEV

#: Default energy in electrons above 1 GeV per source [erg].
W_E_DEFAULT = 1e48


def source_normalisation(gamma: float, ecut: float, w_e: float = W_E_DEFAULT) -> float:
    """Q₀ [GeV⁻¹] such that ∫_{1 GeV}^∞ E Q(E) dE = ``w_e`` [erg].

    Parameters
    ----------
    gamma
        Source spectral index γ.
    ecut
        Cutoff energy E_cut [GeV].
    w_e
        Energy in electrons above 1 GeV per source [erg].
    """
    # ∫_1^∞ E^{1−γ} e^{−E/Ec} dE = ∫ E^{2−γ} e^{−E/Ec} d ln E, composite Gauss–Legendre in
    # ln E up to 60 E_cut, where the exponential has killed the integrand (< e^{−60}).
    nodes, weights = leggauss(16)
    edges = np.linspace(0.0, np.log(60.0 * ecut), 201)
    lo, hi = edges[:-1, None], edges[1:, None]
    x = 0.5 * (hi - lo) * nodes + 0.5 * (hi + lo)
    w = 0.5 * (hi - lo) * weights
    energy = np.exp(x)
    integral = float(np.sum(w * energy ** (2.0 - gamma) * np.exp(-energy / ecut)))
    return w_e * ERG_GEV / integral


def source_spectrum(
    energy: np.ndarray | float, gamma: float, ecut: float, w_e: float = W_E_DEFAULT
) -> np.ndarray:
    """Q(E) [GeV⁻¹] at ``energy`` [GeV] for one source."""
    e = np.asarray(energy, dtype=np.float64)
    return source_normalisation(gamma, ecut, w_e) * e ** (-gamma) * np.exp(-e / ecut)

"""crelike: stochastic cosmic-ray electron spectra for Pyro.

The small public API: :data:`ENERGIES`, :class:`Params`, :func:`simulate`,
:func:`mean_flux`, :func:`psi`, :func:`plot_fluxes`.
"""

from crelike._version import __version__
from crelike.params import Params
from crelike.plotting import plot_fluxes
from crelike.simulate import ENERGIES, mean_flux, simulate
from crelike.spectra import PSI_FLOOR, psi

__all__ = [
    "ENERGIES",
    "PSI_FLOOR",
    "Params",
    "__version__",
    "mean_flux",
    "plot_fluxes",
    "psi",
    "simulate",
]

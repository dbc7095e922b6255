from crelike.simulate.api import simulate
from crelike.simulate.expectation import mean_flux
from crelike.simulate.model import ENERGIES

__all__ = ["ENERGIES", "mean_flux", "simulate"]

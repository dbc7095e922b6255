import numpy as np
import pytest
import torch

from crelike.params import Params
from crelike.physics.constants import B0_THOMSON, KAPPA_UNIT
from crelike.physics.green import GreenFunction
from crelike.physics.halo import halo_factor
from crelike.physics.losses import U_TOTAL
from crelike.physics.spectrum import source_spectrum

B0 = B0_THOMSON * U_TOTAL


@pytest.mark.parametrize(
    "theta", [Params(2.0, 4.5, 2.2, 0.6, 5.0), Params(1.0, 3.5, 2.6, 1.0, 1.0)]
)
def test_density_matches_thomson_closed_form(theta, rng):
    energies = np.logspace(1.5, 4.5, 19)
    green = GreenFunction(theta, energies, "thomson", 4.0, torch.device("cpu"))
    n = 400
    s = rng.uniform(0, 3, n)
    frac = np.exp(rng.uniform(np.log(1e-6), 0, n))
    age = frac * 1 / (B0 * energies[-1])  # young enough to reach every energy
    dens = green.density(torch.as_tensor(s), torch.as_tensor(age), energies.size).numpy()

    e, t = energies[None, :], age[:, None]
    e0 = e / (1 - B0 * e * t)
    ln_ratio = -np.log1p(-B0 * e * t)
    d = theta.delta
    if d == 1.0:
        l2 = theta.kappa0 * KAPPA_UNIT * ln_ratio / B0
    else:
        l2 = (
            -theta.kappa0
            * KAPPA_UNIT
            * e ** (d - 1)
            * np.expm1((d - 1) * ln_ratio)
            / (B0 * (1 - d))
        )
    expected = (
        source_spectrum(e0, theta.gamma, theta.ecut)
        * (e0 / e) ** 2
        * (4 * np.pi * l2) ** -1.5
        * np.exp(-(s[:, None] ** 2) / (4 * l2))
        * halo_factor(l2 / 16.0)
    )
    # Relative errors of l² are amplified by s²/4l² in the Gaussian: compare where the
    # exponent is < 30, i.e. wherever a source can matter (e^{-30} ≈ 1e-13).
    relevant = s[:, None] ** 2 / (4 * l2) < 30
    np.testing.assert_allclose(dens[relevant], expected[relevant], rtol=1e-6)
    assert np.all(dens[~relevant] <= expected.max() * 1e-12)


def test_density_vanishes_beyond_loss_time():
    energies = np.array([100.0, 1000.0])
    green = GreenFunction(Params(2.0, 4.5, 2.2, 0.6, 5.0), energies, "kn", 4.0, torch.device("cpu"))
    tau = green.loss_time.numpy()
    age = torch.tensor([0.5 * tau[1], 0.5 * (tau[0] + tau[1]), 1.01 * tau[0]], dtype=torch.float64)
    dens = green.density(torch.full((3,), 0.1, dtype=torch.float64), age, 2).numpy()
    assert np.all(dens[0] > 0)
    assert dens[1, 0] > 0 and dens[1, 1] == 0.0
    assert np.all(dens[2] == 0.0)
    assert np.all(np.isfinite(dens))

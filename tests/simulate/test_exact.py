"""The exact Monte Carlo against quantities the test can compute exactly.

The flux has infinite variance (young, near sources), so a plain sample mean is no
test.  Sources older than a fraction f of the loss time τ(E, ∞) have a bounded
Green's function: their summed flux has the finite mean and variance of Campbell's
theorem, both computed by quadrature independently of the sampler.  The Monte
Carlo mean of that part must agree within Z_MAX standard errors (Chebyshev bounds the
chance of a larger deviation by 1/Z_MAX² whatever the shape of the distribution).
"""

import numpy as np
import pytest
import torch

from crelike import ENERGIES, Params, mean_flux, psi, simulate
from crelike.params import FIG3_CENTRE, SINGLE_POINT
from crelike.simulate.exact import simulate_exact
from crelike.simulate.expectation import expected_flux, flux_variance
from crelike.simulate.model import build_model

Z_MAX = 5.0
AGE_FRACTION = 0.1
POINTS = {
    "centre": FIG3_CENTRE,
    "low-corner": Params(0.5, 3.5, 1.8, 0.2, 1.0),
    "high-corner": Params(3.0, 5.5, 2.6, 1.0, 9.0),
    "single-point": SINGLE_POINT,
}


@pytest.mark.parametrize("losses", ["kn", "thomson"])
@pytest.mark.parametrize("name", list(POINTS))
def test_old_source_flux_matches_campbell_mean(name, losses):
    model = build_model(POINTS[name], losses=losses, spatial="spiral")
    min_age = AGE_FRACTION * model.green.loss_time
    n = 120
    flux = simulate_exact(model, n, seed=11, min_age=min_age).numpy()
    mean = expected_flux(model, min_age).numpy()
    sigma = np.sqrt(flux_variance(model, min_age).numpy() / n)
    z = (flux.mean(axis=0) - mean) / sigma
    assert np.all(np.abs(z) < Z_MAX), z
    # The full mean includes the young sources; it exceeds the old-source part.
    assert np.all(mean_flux(POINTS[name], losses=losses).numpy() > mean)


def test_full_sample_mean_converges_from_below_at_low_energy():
    # At 31.6 GeV tens of thousands of sources contribute: the heavy tail is mild
    # and the median sits a little below the mean, as the paper's Fig. 2 notes.
    flux = simulate(FIG3_CENTRE, 150, seed=3).numpy()
    mean = mean_flux(FIG3_CENTRE).numpy()
    assert np.median(flux[:, 0]) < mean[0]
    assert flux[:, 0].mean() == pytest.approx(mean[0], rel=0.05)


def test_seeds_and_device():
    a = simulate(FIG3_CENTRE, 6, seed=5, energies=[100.0, 1000.0])
    b = simulate(FIG3_CENTRE, 6, seed=5, energies=[100.0, 1000.0])
    c = simulate(FIG3_CENTRE, 6, seed=6, energies=[100.0, 1000.0])
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert a.dtype == torch.float64 and a.shape == (6, 2) and a.device.type == "cpu"
    assert simulate(FIG3_CENTRE, 2, seed=1, device="cpu").device.type == "cpu"
    if torch.cuda.is_available():
        assert simulate(FIG3_CENTRE, 2, seed=1, device="cuda").device.type == "cuda"
    else:
        with pytest.raises(ValueError, match="device"):
            simulate(FIG3_CENTRE, 2, device="cuda")


def test_theta_forms_are_equivalent():
    as_tuple = simulate((2.0, 4.5, 2.2, 0.6, 5.0), 3, seed=2, energies=[50.0])
    as_tensor = simulate(
        torch.tensor([2.0, 4.5, 2.2, 0.6, 5.0], dtype=torch.float64), 3, seed=2, energies=[50.0]
    )
    as_params = simulate(FIG3_CENTRE, 3, seed=2, energies=[50.0])
    assert torch.equal(as_tuple, as_tensor) and torch.equal(as_tuple, as_params)


def test_vanishing_flux_is_floored_in_psi():
    # Lowest corner at 30 TeV: often no source reaches the observer and the flux is
    # astronomically small (e^-100 tails of far sources), far below the ψ floor.
    flux = simulate(Params(0.5, 3.5, 2.6, 0.2, 1.0), 50, seed=4)
    assert torch.all(flux >= 0) and torch.all(torch.isfinite(flux))
    assert (psi(flux)[:, -1] == -2.0).any()
    assert torch.all(psi(flux) >= -2.0)
    assert psi(torch.zeros(1, ENERGIES.size)).eq(-2.0).all()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"theta": (-1.0, 4.5, 2.2, 0.6, 5.0)}, "sn_rate = -1.0"),
        ({"theta": (2.0, 4.5, 2.2, 0.0, 5.0)}, "delta = 0.0"),
        ({"theta": (2.0, 4.5, 2.2, 0.6, -5.0)}, "kappa0 = -5.0"),
        ({"theta": (2.0, float("nan"), 2.2, 0.6, 5.0)}, "log10_ecut = nan"),
        ({"theta": (2.0, 4.5, 2.2, 0.6)}, "last dimension of 5"),
        ({"energies": [100.0, 50.0]}, "strictly increasing"),
        ({"energies": [-1.0, 50.0]}, "outside the valid range"),
        ({"energies": [10.0, float("inf")]}, "outside the valid range"),
        ({"n": 0}, "n = 0"),
        ({"n": 2.5}, "n = 2.5"),
        ({"method": "fastest"}, "method = 'fastest'"),
        ({"method": "fast", "tol": 0.0}, "tol = 0.0"),
        ({"losses": "ic"}, "losses = 'ic'"),
        ({"spatial": "disc"}, "spatial"),
        ({"z_max": -1.0}, "z_max = -1.0"),
    ],
)
def test_bad_input_raises_value_error_naming_parameter(kwargs, match):
    args = {"theta": FIG3_CENTRE, "n": 2, **kwargs}
    theta, n = args.pop("theta"), args.pop("n")
    with pytest.raises(ValueError, match=match.replace("(", r"\(")):
        simulate(theta, n, **args)

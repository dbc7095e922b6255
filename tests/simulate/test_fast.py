"""method="fast" against method="exact": the same distribution, by the statistics that matter.

Tolerances are bootstrap standard errors of the two samples: with ~35 statistics per
comparison, max |z| < 4 fails by chance with probability < 0.3 %.
"""

import numpy as np
import pytest
import torch

from crelike import Params, psi, simulate
from crelike.params import FIG3_CENTRE
from crelike.simulate.fast import build_far_field, sample_far
from crelike.simulate.model import build_model
from crelike.validate import compare_samples

ENERGIES = [50.0, 200.0, 1000.0, 5000.0, 20000.0]
Z_MAX = 4.0


@pytest.mark.parametrize(
    "theta, losses, spatial",
    [
        (FIG3_CENTRE, "kn", "spiral"),
        (Params(0.5, 3.5, 2.2, 0.2, 1.0), "thomson", "radial"),
    ],
)
def test_fast_matches_exact_quantiles_and_correlations(theta, losses, spatial):
    n = 2000
    kw = {"energies": ENERGIES, "losses": losses, "spatial": spatial}
    exact = psi(simulate(theta, n, method="exact", seed=1, **kw), ENERGIES).numpy()
    fast = psi(simulate(theta, n, method="fast", seed=2, **kw), ENERGIES).numpy()
    cmp = compare_samples(exact, fast, n_boot=150, seed=3)
    assert cmp.max_quantile_z < Z_MAX, cmp.quantile_z
    assert cmp.max_corr_z < Z_MAX, cmp.dcorr / cmp.dcorr_err


def test_far_field_sampler_reproduces_its_moments():
    model = build_model(FIG3_CENTRE, ENERGIES)
    far = build_far_field(model)
    gen = torch.Generator().manual_seed(0)
    n = 200_000
    x = sample_far(far, n, gen).numpy()
    cov = (far.factor @ far.factor.T).numpy()
    sd = np.sqrt(np.diag(cov))
    mean = far.mean.numpy()
    assert np.all(np.abs(x.mean(0) - mean) < 4 * sd / np.sqrt(n))
    # Covariance (as correlations) and skewness; the CF bend changes them only at O(γ₁²).
    corr = np.corrcoef(x, rowvar=False)
    assert np.allclose(corr, cov / np.outer(sd, sd), atol=0.01)
    skew = ((x - x.mean(0)) ** 3).mean(0) / x.std(0) ** 3
    np.testing.assert_allclose(skew, far.skewness.numpy(), atol=0.03)


def test_tighter_tolerance_draws_more_sources():
    model = build_model(FIG3_CENTRE, ENERGIES)
    loose, tight = build_far_field(model, tol=0.2), build_far_field(model, tol=0.002)
    assert torch.all(tight.epsilon <= loose.epsilon) and torch.any(tight.epsilon < loose.epsilon)
    assert tight.near_per_realisation > loose.near_per_realisation
    assert tight.bias <= 0.002 and loose.bias <= 0.2


def test_hard_corner_far_field_keeps_the_floor_fraction():
    # Lowest R_SN, δ, κ₀: at the top energies the typical flux is the far field alone, near
    # the ψ floor, while ⟨φ⟩ is set by rare near sources.  The split must judge the far
    # field against the floor, or fast mode lifts realisations off the floor.
    theta = Params(0.5, 4.5, 2.2, 0.2, 1.0)
    energies = [6000.0, 12000.0, 24000.0]
    n = 3000
    exact = psi(simulate(theta, n, method="exact", seed=5, energies=energies), energies).numpy()
    fast = psi(simulate(theta, n, method="fast", seed=6, energies=energies), energies).numpy()
    p_exact, p_fast = (exact <= -2.0).mean(axis=0), (fast <= -2.0).mean(axis=0)
    se = np.sqrt(p_exact * (1 - p_exact) / n + p_fast * (1 - p_fast) / n)
    assert np.all(p_exact > 0.05)  # the floor is populated: the test has power
    assert np.all(np.abs(p_fast - p_exact) < 4 * se), (p_exact, p_fast)


def test_fast_is_seeded_and_validates_tol():
    a = simulate(FIG3_CENTRE, 20, method="fast", seed=9, energies=ENERGIES)
    b = simulate(FIG3_CENTRE, 20, method="fast", seed=9, energies=ENERGIES)
    assert torch.equal(a, b) and a.shape == (20, 5) and torch.all(a > 0)
    with pytest.raises(ValueError, match="tol = 2.0"):
        simulate(FIG3_CENTRE, 2, method="fast", tol=2.0)

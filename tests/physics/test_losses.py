import numpy as np
import pytest
from scipy.special import zeta

from crelike.physics.constants import B0_THOMSON
from crelike.physics.losses import (
    ISRF,
    U_B,
    U_TOTAL,
    kn_ratio,
    kn_ratio_exact,
    loss_rate,
    validate_losses,
)

# Independent reference values of b_KN / b_Thomson for one blackbody (DESIGN.md §3).
REFERENCE = {1e-3: 0.977, 1e-2: 0.810, 4e-2: 0.523, 0.1: 0.308, 1.0: 0.034}


@pytest.mark.parametrize("x, expected", sorted(REFERENCE.items()))
def test_kn_ratio_matches_reference_within_one_percent(x, expected):
    assert kn_ratio_exact(x)[0] == pytest.approx(expected, rel=0.01)
    assert float(kn_ratio(x)) == pytest.approx(expected, rel=0.01)


def test_kn_ratio_thomson_limit_slope():
    # First-order KN correction for a blackbody: 1 − (63/10) γ⟨ε²⟩/(m c²⟨ε⟩) with
    # ⟨ε²⟩/⟨ε⟩ = 4 ζ(5)/ζ(4) k T, i.e. f ≈ 1 − 25.2 (ζ(5)/ζ(4)) x (the paper's eq. 2.4).
    slope = 6.3 * 4 * zeta(5) / zeta(4)
    x = 1e-6
    assert (1 - kn_ratio_exact(x)[0]) / x == pytest.approx(slope, rel=0.01)
    assert kn_ratio(1e-9) == 1.0


def test_table_matches_direct_quadrature(rng):
    x = np.exp(rng.uniform(np.log(1e-7), np.log(1e4), 25))
    np.testing.assert_allclose(kn_ratio(x), kn_ratio_exact(x), rtol=1e-7)


def test_thomson_rate_and_loss_time():
    e = np.logspace(0, 6, 7)
    np.testing.assert_allclose(loss_rate(e, "thomson"), B0_THOMSON * U_TOTAL * e**2, rtol=1e-14)
    # 1/(b₀ U) ≈ 206 Myr GeV: the paper's "2×10² Myr (E/GeV)⁻¹".
    assert 1 / (B0_THOMSON * U_TOTAL) == pytest.approx(206.0, rel=0.005)
    assert U_TOTAL == pytest.approx(U_B + sum(u for _, u in ISRF))


def test_kn_losses_suppressed_and_monotone():
    e = np.logspace(0, 6, 200)
    kn, th = loss_rate(e, "kn"), loss_rate(e, "thomson")
    assert np.all(kn < th)
    assert kn[0] / th[0] > 0.97  # Thomson regime at 1 GeV
    assert np.all(np.diff(kn) > 0)  # no sign change, unlike the expansion of eq. 2.4
    # Far in the KN regime only synchrotron survives: |b| → b₀ U_B E².
    assert loss_rate(1e9, "kn") / (B0_THOMSON * U_B * 1e18) == pytest.approx(1.0, rel=0.01)


def test_unknown_loss_model_is_rejected():
    with pytest.raises(ValueError, match="losses = 'ic'"):
        validate_losses("ic")
    with pytest.raises(ValueError, match="losses"):
        loss_rate(10.0, "ic")

import numpy as np
import pytest
import torch

from crelike.physics.constants import B0_THOMSON, KAPPA_UNIT
from crelike.physics.losses import U_TOTAL
from crelike.physics.transport import loss_length2, loss_length_table, loss_tables, t_max

B0 = B0_THOMSON * U_TOTAL  # Thomson coefficient [GeV⁻¹ Myr⁻¹]


@pytest.fixture(scope="module")
def thomson_sample():
    rng = np.random.default_rng(7)
    n = 20000
    energy = np.exp(rng.uniform(np.log(1.0), np.log(1e6), n))
    tables = loss_tables("thomson")
    # Ages spanning 1e-13 … 1 of the loss time, so both l² branches are exercised.
    frac = rng.uniform(0, 1, n) ** 0.3 * np.exp(
        rng.uniform(-30, 0, n) * (rng.uniform(size=n) < 0.5)
    )
    age = frac * tables.loss_time(energy)
    e0_exact = energy / (1 - B0 * energy * age)
    keep = e0_exact < 1e7  # beyond, the cutoff of any source spectrum has killed the flux
    return tables, energy[keep], age[keep], e0_exact[keep]


def test_loss_time_matches_thomson_closed_form(thomson_sample):
    tables, energy, _, _ = thomson_sample
    np.testing.assert_allclose(tables.loss_time(energy), 1 / (B0 * energy), rtol=1e-6)
    # τ(E, E₀) = (1/E − 1/E₀)/b₀ as a difference of the table.
    e0 = energy * 3.0
    tau = tables.loss_time(energy) - tables.loss_time(e0)
    np.testing.assert_allclose(tau, (1 / energy - 1 / e0) / B0, rtol=1e-6)


def test_initial_energy_matches_closed_form(thomson_sample):
    tables, energy, age, e0_exact = thomson_sample
    np.testing.assert_allclose(tables.initial_energy(energy, age), e0_exact, rtol=1e-6)
    assert np.isinf(tables.initial_energy(100.0, 1.01 * tables.loss_time(100.0)))


@pytest.mark.parametrize("delta", [0.2, 0.6, 1.0])
def test_loss_length_matches_closed_form(thomson_sample, delta):
    tables, energy, age, e0_exact = thomson_sample
    ln_ratio = -np.log1p(-B0 * energy * age)  # ln(E₀/E), computed without cancellation
    if delta == 1.0:
        expected = KAPPA_UNIT * ln_ratio / B0  # the logarithmic limit of the closed form
    else:
        # κ₀[E^(δ−1) − E₀^(δ−1)]/(b₀(1−δ)) written with expm1 to stay exact at E₀ → E.
        expected = -KAPPA_UNIT * energy ** (delta - 1) * np.expm1((delta - 1) * ln_ratio)
        expected /= B0 * (1 - delta)
    u = torch.as_tensor(np.log(energy))
    u0 = torch.as_tensor(np.log(tables.initial_energy(energy, age)))
    l2 = loss_length2(
        u,
        u0,
        torch.as_tensor(age),
        delta,
        1.0,
        loss_length_table("thomson", delta),
        torch.as_tensor(B0 * energy),
    ).numpy()
    np.testing.assert_allclose(l2, expected, rtol=1e-6)


def test_t_max_thomson_and_kn():
    # Thomson at 10^1.5 GeV: 1/(b₀ E) ≈ 6.5 Myr (DESIGN.md); KN losses are weaker → older.
    assert t_max(10**1.5, "thomson") == pytest.approx(1 / (B0 * 10**1.5), rel=1e-9)
    assert t_max(10**1.5, "thomson") == pytest.approx(6.5, abs=0.05)
    assert t_max(10**1.5, "kn") > 1.3 * t_max(10**1.5, "thomson")

"""Full-size validation of method="fast" (slow: ~10 min per case on 2 cores).

The committed report ``benchmarks/reports/fast_validation.md`` comes from
``python benchmarks/validate_fast.py``, which covers more points; this test keeps the
two hardest to get right — the centre and the corner of lowest R_SN, δ, κ₀ — under CI
control when run with ``pytest -m slow``.
"""

import pytest

from crelike import Params, psi, simulate
from crelike.validate import classifier_two_sample_test, compare_samples

N = 20_000


@pytest.mark.slow
@pytest.mark.parametrize(
    "theta",
    [Params(2.0, 4.5, 2.2, 0.6, 5.0), Params(0.5, 4.5, 2.2, 0.2, 1.0)],
    ids=["centre", "low-corner"],
)
def test_fast_is_indistinguishable_from_exact(theta):
    exact = psi(simulate(theta, N, method="exact", seed=1)).numpy()
    fast = psi(simulate(theta, N, method="fast", seed=2)).numpy()
    cmp = compare_samples(exact, fast, n_boot=200, seed=3)
    # 95 quantile and 171 correlation statistics: max |z| < 4.5 under the null w.p. > 99.8 %.
    assert cmp.max_quantile_z < 4.5
    assert cmp.max_corr_z < 4.5
    # Held-out accuracy over 12 000 test points has a standard error of 0.0046: 0.52 is 4σ.
    assert classifier_two_sample_test(exact, fast, seed=4) <= 0.52

import numpy as np
import pytest

from crelike.validate import compare_samples

N = 4000


def normal(seed: int, d: int = 4, n: int = N) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d))


def test_same_distribution_gives_z_scores_of_order_one():
    cmp = compare_samples(normal(1), normal(2), seed=0)
    # 20 quantile and 6 correlation comparisons of N(0, 1) z-scores: P(any > 4.5) ≈ 2e-4.
    assert cmp.max_quantile_z < 4.5
    assert cmp.max_corr_z < 4.5
    assert cmp.dq.shape == (5, 4) and cmp.dcorr.shape == (6,)


def test_bootstrap_error_of_the_median_matches_the_asymptotic_formula():
    cmp = compare_samples(normal(3), normal(4), seed=0)
    # Var(median) = π/2 / n for a unit normal; two independent samples add.
    expected = np.sqrt(2 * np.pi / 2 / N)
    # 200 bootstrap replicas estimate σ to ~5 %; the median's bootstrap is coarse: 20 %.
    np.testing.assert_allclose(cmp.dq_err[2], expected, rtol=0.2)


def test_a_shifted_bin_is_found_and_measured():
    a, b = normal(5), normal(6)
    b[:, 2] += 0.2  # ≈ 7 standard errors of a quantile difference at n = 4000
    cmp = compare_samples(a, b, seed=0)
    assert cmp.max_quantile_z > 4.5
    assert cmp.worst_quantile[1] == 2
    assert np.all(np.abs(cmp.dq[:, 2] - 0.2) < 4 * cmp.dq_err[:, 2])


def test_a_changed_correlation_is_detected():
    a, b = normal(7), normal(8)
    b[:, 1] = 0.5 * b[:, 0] + np.sqrt(0.75) * b[:, 1]  # ρ(0, 1) = 0.5 instead of 0
    cmp = compare_samples(a, b, seed=0)
    assert cmp.max_corr_z > 10
    assert np.argmax(np.abs(cmp.dcorr) / cmp.dcorr_err) == 0  # pair (0, 1) comes first
    assert cmp.dcorr[0] == pytest.approx(0.5, abs=0.06)


def test_a_constant_bin_keeps_the_scores_finite():
    a, b = normal(9), normal(10)
    a[:, 0] = b[:, 0] = -2.0  # e.g. ψ on its floor in both samples
    cmp = compare_samples(a, b, seed=0)
    assert np.isfinite(cmp.max_quantile_z) and np.isfinite(cmp.max_corr_z)
    assert np.all(cmp.dq[:, 0] == 0)

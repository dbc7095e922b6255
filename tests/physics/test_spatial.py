"""Tests for crelike.physics.spatial (source distances around the observer)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import integrate

from crelike.physics import spatial
from crelike.physics.constants import C_KPC_MYR
from crelike.physics.spatial import R_SUN, SPATIAL_KINDS, distance_table


def _n_total() -> float:
    """Galactic total ∫ f 2π r dr, computed independently of the module's helper."""
    val, _ = integrate.quad(
        lambda r: float(spatial.radial_profile(r)) * 2 * math.pi * r, 0, 17.2, limit=200
    )
    return val


def _ks_critical(n: int, alpha: float = 0.001) -> float:
    """Asymptotic one-sample Kolmogorov–Smirnov critical value."""
    return math.sqrt(-0.5 * math.log(alpha / 2)) / math.sqrt(n)


def _ks_stat(s: np.ndarray, table: spatial.DistanceTable) -> float:
    """KS statistic of distances `s` against the table CDF (linear in s², as tabulated)."""
    x = np.sort(s)
    f = np.interp(x**2, table.s**2, table.cdf)
    n = x.size
    return float(max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n)))


def test_radial_profile_values() -> None:
    r = np.array([-1.0, 0.0, R_SUN, 16.7, 16.8, 30.0])
    f = spatial.radial_profile(r)
    assert f[1] == pytest.approx(1.96 * math.sin(0.08))
    assert f[2] == pytest.approx(
        1.96 * math.sin(math.pi * R_SUN / 17.2 + 0.08) * math.exp(-0.13 * R_SUN)
    )
    assert f[3] > 0 and f[0] == 0 and f[4] == 0 and f[5] == 0  # root at r ≈ 16.76 kpc


@pytest.mark.parametrize(
    ("kind", "expected", "tol"), [("radial", 0.4436, 0.01), ("spiral", 0.44, 0.02)]
)
def test_fraction_within_10_kpc(kind: str, expected: float, tol: float) -> None:
    assert distance_table(kind, 10.0).fraction == pytest.approx(expected, abs=tol)


def test_radial_cdf_matches_independent_integral() -> None:
    # Sources within s of the observer: ∫ f(r) 2 α(r) r dr with cos α = (R² + r² − s²)/(2 R r).
    table = distance_table("radial")
    n_tot = _n_total()
    for s in (1.0, 4.0, 10.0):

        def integrand(r: float, s: float = s) -> float:
            c = (R_SUN**2 + r**2 - s**2) / (2 * R_SUN * r)
            return float(spatial.radial_profile(r)) * 2 * math.acos(min(max(c, -1), 1)) * r

        lo, hi = max(R_SUN - s, 0.0), min(R_SUN + s, 17.2)
        frac = integrate.quad(integrand, lo, hi, limit=200)[0] / n_tot
        got = np.interp(s**2, table.s**2, table.cdf) * table.fraction
        assert got == pytest.approx(frac, rel=1e-5)


def test_uniform_fraction() -> None:
    table = distance_table("uniform", 10.0)
    expected = math.pi * 100.0 * float(spatial.radial_profile(R_SUN)) / _n_total()
    assert table.fraction == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("kind", SPATIAL_KINDS)
def test_table_shape_and_normalisation(kind: str) -> None:
    t = distance_table(kind)
    assert t.kind == kind and t.s_max == 10.0
    assert t.s.size >= 2000 and t.s.shape == t.pdf.shape == t.cdf.shape
    assert t.s[0] == 0 and t.s[-1] == pytest.approx(10.0) and np.all(np.diff(t.s) > 0)
    assert t.cdf[0] == 0 and t.cdf[-1] == pytest.approx(1.0, abs=1e-12)
    assert np.all(np.diff(t.cdf) >= 0) and np.all(t.pdf >= 0)
    assert integrate.trapezoid(t.pdf, t.s) == pytest.approx(t.fraction, rel=1e-4)
    assert 0 < t.fraction < 1


@pytest.mark.parametrize("kind", ["radial", "uniform"])
def test_small_distance_limit(kind: str) -> None:
    # pdf(s) → 2π s f(R_⊙)/N as s → 0 (locally uniform surface density).
    t = distance_table(kind)
    expected = 2 * math.pi * float(spatial.radial_profile(R_SUN)) / _n_total()
    near = (t.s > 0) & (t.s < 0.3)
    assert t.pdf[0] == 0 and near.sum() >= 3  # the s²-uniform grid is fine near s = 0
    np.testing.assert_allclose(t.pdf[near] / t.s[near], expected, rtol=1e-3)


@pytest.mark.parametrize("kind", SPATIAL_KINDS)
def test_sample_reproduces_cdf(kind: str) -> None:
    t = distance_table(kind)
    n = 20_000
    gen = torch.Generator().manual_seed(1234)
    u = torch.rand(4, n // 4, generator=gen, dtype=torch.float64)
    s = t.sample(u)
    assert s.shape == u.shape and s.dtype == u.dtype and s.device == u.device
    assert torch.all((s >= 0) & (s <= t.s_max))
    assert _ks_stat(s.reshape(-1).numpy(), t) < _ks_critical(n)


def test_sample_small_u_follows_sqrt() -> None:
    # For the nearest sources the inverse CDF must go as s = √(u / (π p₀)) per unit fraction.
    t = distance_table("uniform")
    u = torch.tensor([0.0, 1e-8, 1e-6, 1e-4], dtype=torch.float64)
    np.testing.assert_allclose(t.sample(u).numpy(), 10.0 * np.sqrt(u.numpy()), rtol=1e-9, atol=0)


def test_mean_distance_and_causal_fraction() -> None:
    t = distance_table("radial")
    mean_quad = integrate.trapezoid(t.s * t.pdf, t.s) / t.fraction
    assert t.mean_distance() == pytest.approx(mean_quad, rel=1e-4)
    assert distance_table("uniform").mean_distance() == pytest.approx(2 / 3 * 10.0, rel=1e-9)
    # Fraction of sources with c t < s for ages uniform on [0, t_max]: E[s] / (c t_max).
    assert t.mean_distance() / (C_KPC_MYR * 7.0) == pytest.approx(0.0029, abs=0.0002)


def test_spiral_table_is_deterministic() -> None:
    cached = distance_table("spiral", 10.0)
    fresh = spatial.build_distance_table("spiral", 10.0)
    assert fresh is not cached
    assert fresh.fraction == cached.fraction
    np.testing.assert_array_equal(fresh.pdf, cached.pdf)
    np.testing.assert_array_equal(fresh.cdf, cached.cdf)


def test_spiral_table_matches_fresh_positions() -> None:
    # Independent draws (another seed) from the generative model agree with the smoothed table.
    t = distance_table("spiral")
    x, y = spatial.sample_spiral_positions(200_000, np.random.default_rng(7))
    s = np.hypot(x, y - R_SUN)
    inside = s[s <= t.s_max]
    assert inside.size / s.size == pytest.approx(t.fraction, abs=4 * math.sqrt(0.25 / s.size))
    assert _ks_stat(inside, t) < _ks_critical(inside.size)


def test_sun_between_sagittarius_and_perseus() -> None:
    # Arm centroid radii along the Sun's direction θ = π/2: r = r₀ₐ exp((θ + 2πm − θ₀ₐ)/k).
    radii = {}
    for name, k, r0, th0 in spatial.SPIRAL_ARMS:
        m = np.arange(-3, 4)
        r = r0 * np.exp((math.pi / 2 + 2 * math.pi * m - th0) / k)
        radii[name] = r[(r > 3) & (r < 20)]
    below = max((r, n) for n, rs in radii.items() for r in rs if r < R_SUN)
    above = min((r, n) for n, rs in radii.items() for r in rs if r > R_SUN)
    assert below[1] == "Carina-Sagittarius" and above[1] == "Perseus"


def test_tables_are_cached_and_read_only() -> None:
    t = distance_table("radial")
    assert distance_table("radial", 10.0) is t and distance_table(kind="radial", s_max=10) is t
    with pytest.raises(ValueError):
        t.pdf[0] = 1.0


def test_other_s_max() -> None:
    small, big = distance_table("radial", 2.0), distance_table("radial", 10.0)
    assert small.s[-1] == pytest.approx(2.0)
    assert small.fraction == pytest.approx(
        np.interp(4.0, big.s**2, big.cdf) * big.fraction, rel=1e-4
    )


def test_bad_kind_raises() -> None:
    with pytest.raises(ValueError, match=r"spatial='spirals'.*'spiral', 'radial', 'uniform'"):
        distance_table("spirals")


@pytest.mark.parametrize("s_max", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_s_max_raises(s_max: float) -> None:
    with pytest.raises(ValueError, match=r"s_max") as err:
        distance_table("radial", s_max)
    assert repr(s_max) in str(err.value)

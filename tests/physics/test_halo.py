import numpy as np
import pytest
import torch

from crelike.physics.halo import (
    eigen_series,
    halo_factor,
    halo_suppression,
    halo_table,
    image_series,
)


def test_image_and_eigen_series_agree_where_both_converge():
    xi = np.exp(np.linspace(np.log(0.05), np.log(5.0), 400))
    np.testing.assert_allclose(image_series(xi), eigen_series(xi), rtol=0, atol=1e-8)


def test_limits_and_monotonicity():
    xi = np.exp(np.linspace(np.log(1e-3), np.log(1e2), 500))
    h = halo_factor(xi)
    assert h[0] == pytest.approx(1.0, abs=1e-12)  # free space for l ≪ z_max
    assert np.all(np.diff(h) <= 0)  # more escape the further electrons diffuse
    assert np.all(np.diff(h[xi > 0.05]) < 0)
    # For l ≫ z_max only the lowest mode survives: H → √(4πξ) exp(−π²ξ/4).
    assert halo_factor(10.0) == pytest.approx(np.sqrt(40 * np.pi) * np.exp(-(np.pi**2) * 10 / 4))


def test_table_matches_series_and_clamps(rng):
    xi = np.exp(rng.uniform(np.log(1e-3), np.log(1e3), 2000))
    table = halo_table()
    np.testing.assert_allclose(table.numpy(np.log(xi)), halo_factor(xi), rtol=1e-9, atol=1e-13)
    z_max = 4.0
    l2 = torch.tensor([1e-8, 1e6]) * z_max**2
    out = halo_suppression(l2.double(), z_max, table)
    assert out.tolist() == [1.0, 0.0]

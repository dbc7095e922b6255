import numpy as np
import pytest
import torch

from crelike.params import (
    PARAM_NAMES,
    TABLE1,
    Params,
    as_params,
    as_theta,
    in_training_domain,
    table1_grid,
)


def test_table1_grid_has_the_papers_6750_points():
    grid = table1_grid()
    assert grid.shape == (6750, 5)
    for j, name in enumerate(PARAM_NAMES):
        lo, hi, step = TABLE1[name]
        values = np.unique(grid[:, j])
        np.testing.assert_allclose(values, np.arange(lo, hi + step / 2, step))
    assert len(np.unique(grid, axis=0)) == 6750


def test_offset_grid_is_the_cell_centres():
    grid, offset = table1_grid(), table1_grid(offset=True)
    assert offset.shape == (5 * 8 * 4 * 4 * 4, 5)
    steps = np.array([TABLE1[n][2] for n in PARAM_NAMES])
    # Every centre is half a step from the nearest training value on every axis.
    for j in range(5):
        dist = np.abs(offset[:, j, None] - np.unique(grid[:, j])[None, :]).min(axis=1)
        np.testing.assert_allclose(dist, steps[j] / 2)
    assert bool(in_training_domain(torch.as_tensor(offset)).all())


def test_theta_forms_and_batches():
    p = Params(2.0, 4.5, 2.2, 0.6, 5.0)
    assert p.ecut == pytest.approx(10**4.5)
    assert as_theta(p).shape == (5,)
    assert as_theta(np.zeros((3, 4, 5)) + np.array(p)).shape == (3, 4, 5)
    assert as_params([2.0, 4.5, 2.2, 0.6, 5.0]) == p
    with pytest.raises(ValueError, match="single theta"):
        as_params(np.array([p, p]))


@pytest.mark.parametrize(
    "theta, match",
    [
        ((0.0, 4.5, 2.2, 0.6, 5.0), r"sn_rate = 0.0 is outside its valid range \(0, 1000\]"),
        ((2.0, 4.5, 2.2, 2.5, 5.0), r"delta = 2.5 is outside its valid range \(0, 2\]"),
        ((2.0, 9.0, 2.2, 0.6, 5.0), r"log10_ecut = 9.0 is outside its valid range \[1, 8\]"),
        ((2.0, 4.5, float("inf"), 0.6, 5.0), "gamma = inf"),
        ("abc", "theta must"),
    ],
)
def test_invalid_theta_names_parameter_value_and_range(theta, match):
    with pytest.raises(ValueError, match=match):
        as_theta(theta)

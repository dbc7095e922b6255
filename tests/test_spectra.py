import numpy as np
import pytest
import torch

from crelike import ENERGIES, PSI_FLOOR, psi


def test_psi_is_log10_e3_phi_with_floor():
    flux = torch.tensor([[1e-4, 1e-7], [0.0, 1e-30]], dtype=torch.float64)
    e = np.array([100.0, 1000.0])
    out = psi(flux, e)
    assert out[0, 0].item() == pytest.approx(np.log10(1e-4 * 1e6))
    assert out[0, 1].item() == pytest.approx(np.log10(1e-7 * 1e9))
    assert out[1].tolist() == [PSI_FLOOR, PSI_FLOOR]


def test_psi_rejects_bad_flux():
    with pytest.raises(ValueError, match="non-negative"):
        psi(-torch.ones(1, ENERGIES.size))
    with pytest.raises(ValueError, match="last axis"):
        psi(torch.ones(1, 3))

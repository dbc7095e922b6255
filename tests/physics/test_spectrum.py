import numpy as np
import pytest
from scipy import integrate

from crelike.physics.constants import ERG_GEV
from crelike.physics.spectrum import source_normalisation, source_spectrum


@pytest.mark.parametrize("gamma, log10_ecut", [(1.8, 3.5), (2.2, 4.0), (2.6, 5.5)])
def test_energy_above_one_gev_is_w_e(gamma, log10_ecut):
    ecut = 10**log10_ecut

    def integrand(lne):
        e = np.exp(lne)
        return e * e * source_spectrum(e, gamma, ecut)

    total, _ = integrate.quad(integrand, 0.0, np.log(100 * ecut), limit=400)
    assert total / ERG_GEV == pytest.approx(1e48, rel=1e-7)


def test_normalisation_scales_with_w_e():
    assert source_normalisation(2.2, 1e4, 3e48) == pytest.approx(3 * source_normalisation(2.2, 1e4))

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from crelike import ENERGIES, plot_fluxes  # noqa: E402


def test_plot_fluxes_draws_bands_median_on_log_axes(tmp_path, rng):
    flux = np.exp(rng.normal(0, 0.2, (500, ENERGIES.size))) * 100 / ENERGIES**3
    ax = plot_fluxes(flux)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "GeV" in ax.get_xlabel() and "sr" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"90 %", "68 %", "median"} <= set(labels)
    median = [line for line in ax.get_lines() if line.get_label() == "median"][0]
    np.testing.assert_allclose(median.get_ydata(), np.median(flux * ENERGIES**3, axis=0))
    ax.figure.savefig(tmp_path / "f.png")
    assert (tmp_path / "f.png").stat().st_size > 1000
    plt.close(ax.figure)


def test_plot_fluxes_rejects_wrong_shape():
    with pytest.raises(ValueError, match="samples must have shape"):
        plot_fluxes(np.ones((3, 4)))

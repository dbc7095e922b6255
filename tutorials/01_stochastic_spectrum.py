"""Tutorial 1: the stochastic electron spectrum and what the parameters do.

Run as a script (``python tutorials/01_stochastic_spectrum.py``) or cell by cell
(the ``# %%`` markers work in VS Code, Spyder and jupytext).  It writes
``tutorials/output/fig3_parameters.png``: the paper's Fig. 3, each parameter varied
around the centre point with the others fixed, 90 % bands and medians of E³φ.
"""

# %% Imports and the centre point
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import crelike  # noqa: E402
from crelike import Params  # noqa: E402

centre = Params(sn_rate=2.0, log10_ecut=4.5, gamma=2.2, delta=0.6, kappa0=5.0)
E = crelike.ENERGIES

# %% Exact and fast Monte Carlo give the same distribution; fast is ~100× quicker here.
exact = crelike.simulate(centre, 500, method="exact", seed=1)
fast = crelike.simulate(centre, 500, method="fast", seed=2)
for name, sample in (("exact", exact), ("fast", fast)):
    q = np.quantile(crelike.psi(sample).numpy(), [0.05, 0.5, 0.95], axis=0)
    print(f"{name:5s} ψ quantiles at 1 TeV: {np.round(q[:, 12], 3)}")

# %% The paper's Fig. 3: one parameter at a time (fast mode, 4000 realisations each)
variations = {
    "sn_rate": [0.5, 2.0, 3.0],
    "log10_ecut": [3.5, 4.5, 5.5],
    "gamma": [1.8, 2.2, 2.6],
    "delta": [0.2, 0.6, 1.0],
    "kappa0": [1.0, 5.0, 9.0],
}
fig, axes = plt.subplots(1, 5, figsize=(20, 4), sharey=True)
for ax, (name, values) in zip(axes, variations.items(), strict=True):
    for color, value in zip(("C0", "C1", "C2"), values, strict=True):
        theta = centre._replace(**{name: value})
        e3phi = crelike.simulate(theta, 4000, method="fast", seed=3).numpy() * E**3
        lo, med, hi = np.quantile(e3phi, [0.05, 0.5, 0.95], axis=0)
        ax.fill_between(E, lo, hi, color=color, alpha=0.3, lw=0)
        ax.plot(E, med, "--", color=color, label=f"{name} = {value:g}")
    ax.set(xscale="log", yscale="log", xlabel="E [GeV]", ylim=(3, 800))
    ax.legend(frameon=False, fontsize=8, loc="lower left")
axes[0].set_ylabel(r"$E^3\phi$ [GeV$^2$ m$^{-2}$ s$^{-1}$ sr$^{-1}$]")
out = Path(__file__).resolve().parent / "output"
out.mkdir(exist_ok=True)
fig.savefig(out / "fig3_parameters.png", dpi=110, bbox_inches="tight")
print(f"wrote {out / 'fig3_parameters.png'}")

"""Plots of flux ensembles in the paper's Fig. 2/3 style."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from crelike.simulate.model import validate_energies


def plot_fluxes(
    samples: torch.Tensor | np.ndarray,
    energies: object = None,
    ax: Any = None,
    *,
    n_examples: int = 8,
    color: str = "0.3",
    label: str | None = None,
) -> Any:
    """Example spectra, median and 68 % / 90 % bands of E³φ on log axes.

    Parameters
    ----------
    samples
        Flux realisations φ [GeV⁻¹ m⁻² s⁻¹ sr⁻¹], shape (n, D).
    energies
        E [GeV], shape (D,); default :data:`crelike.ENERGIES`.
    ax
        Matplotlib axes to draw on; a new figure is made when None.
    n_examples
        Number of individual realisations drawn as thin coloured lines.
    color
        Colour of the bands and the median.
    label
        Legend label of the median line.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    import matplotlib.pyplot as plt

    e = validate_energies(energies)
    phi = torch.as_tensor(samples, dtype=torch.float64).cpu().numpy()
    if phi.ndim != 2 or phi.shape[1] != e.size:
        raise ValueError(f"samples must have shape (n, {e.size}), got {phi.shape}")
    e3phi = phi * e**3
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.4))
    q05, q16, q50, q84, q95 = np.quantile(e3phi, [0.05, 0.16, 0.5, 0.84, 0.95], axis=0)
    ax.fill_between(e, q05, q95, color=color, alpha=0.2, lw=0, label="90 %")
    ax.fill_between(e, q16, q84, color=color, alpha=0.35, lw=0, label="68 %")
    rng = np.random.default_rng(0)
    for i in rng.choice(len(e3phi), size=min(n_examples, len(e3phi)), replace=False):
        ax.plot(e, e3phi[i], lw=0.8, alpha=0.8)
    ax.plot(e, q50, color="k" if color == "0.3" else color, lw=1.8, label=label or "median")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$E$ [GeV]")
    ax.set_ylabel(r"$E^3\,\phi$ [GeV$^2$ m$^{-2}$ s$^{-1}$ sr$^{-1}$]")
    positive = e3phi[e3phi > 0]
    if positive.size:
        ax.set_ylim(
            max(positive.min(), q05[q05 > 0].min() / 3 if (q05 > 0).any() else 1e-3),
            e3phi.max() * 1.5 if np.isfinite(e3phi.max()) else None,
        )
    ax.legend(loc="lower left", frameon=False)
    return ax

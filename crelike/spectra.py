"""The emulator's space ψ(E) = log10(E³ φ(E)) and its floor for vanishing flux.

At the highest energies with small κ₀, δ and R_SN often no source reaches the
observer and φ = 0 exactly.  ψ is floored at :data:`PSI_FLOOR`: E³φ = 0.01
GeV² m⁻² s⁻¹ sr⁻¹, about 4e-4 of the lowest E³φ ever measured (H.E.S.S. 2008,
23.6 GeV² m⁻² s⁻¹ sr⁻¹ at 3.5 TeV), so the floor is never confused with a
measurable flux.  The simulator returns φ itself (zeros included); the floor is
applied here, and the emulator and likelihood use the same constant.
"""

from __future__ import annotations

import numpy as np
import torch

from crelike.simulate.model import validate_energies

#: Floor of ψ = log10(E³φ / (GeV² m⁻² s⁻¹ sr⁻¹)).
PSI_FLOOR = -2.0


def psi(flux: torch.Tensor | np.ndarray, energies: object = None) -> torch.Tensor:
    """ψ = log10(E³ φ) with the documented floor.

    Parameters
    ----------
    flux
        φ [GeV⁻¹ m⁻² s⁻¹ sr⁻¹], shape (..., D), non-negative.
    energies
        E [GeV], shape (D,); default :data:`crelike.ENERGIES`.

    Returns
    -------
    torch.Tensor
        ψ, float64, same shape and device as ``flux``; ≥ :data:`PSI_FLOOR`.

    Raises
    ------
    ValueError
        If ``flux`` has negative or NaN entries or its last axis does not match.
    """
    phi = torch.as_tensor(flux, dtype=torch.float64)
    e = validate_energies(energies)
    if phi.shape[-1] != e.size:
        raise ValueError(
            f"flux has {phi.shape[-1]} energies in its last axis but energies has {e.size}"
        )
    if bool(torch.isnan(phi).any()) or bool((phi < 0).any()):
        raise ValueError("flux must be non-negative and not NaN")
    e3 = torch.as_tensor(e**3, device=phi.device)
    floor = torch.tensor(10.0**PSI_FLOOR, dtype=torch.float64, device=phi.device)
    return torch.log10(torch.maximum(phi * e3, floor))

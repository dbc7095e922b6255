"""Physical constants and unit conversions.

Inside the physics code energies are in GeV, distances in kpc and times in Myr
(DESIGN.md §2).  Fluxes leave the simulator in GeV⁻¹ m⁻² s⁻¹ sr⁻¹, the unit of
the measured spectra.
"""

from __future__ import annotations

import math

#: Electron rest energy m_e c² [GeV].
ME_C2 = 0.51099895e-3
#: Thomson cross-section σ_T [cm²].
SIGMA_T = 6.6524587e-25
#: Speed of light [cm s⁻¹].
C_CM_S = 2.99792458e10
#: One kiloparsec [cm].
KPC_CM = 3.0857e21
#: One megayear [s].
MYR_S = 3.15576e13
#: One erg [GeV].
ERG_GEV = 624.151
#: Boltzmann constant k_B [GeV K⁻¹].
K_B = 8.617333e-14
#: Speed of light [kpc Myr⁻¹] (≈ 306.6).
C_KPC_MYR = C_CM_S * MYR_S / KPC_CM
#: Diffusion-coefficient unit: 1e28 cm² s⁻¹ expressed in kpc² Myr⁻¹ (≈ 0.033144).
KAPPA_UNIT = 1e28 * MYR_S / KPC_CM**2
#: Energy-density unit: 1 eV cm⁻³ in GeV cm⁻³.
EV_CM3 = 1e-9
#: Thomson loss coefficient b₀ = (4/3) σ_T c / (m_e c²)² per eV cm⁻³ [GeV⁻¹ Myr⁻¹].
#: The loss rate is |b| = b₀ U E² with U in eV cm⁻³ and E in GeV (≈ 1.018e-16 s⁻¹ per GeV).
B0_THOMSON = 4.0 / 3.0 * SIGMA_T * C_CM_S / ME_C2**2 * EV_CM3 * MYR_S
#: Flux conversion: φ [GeV⁻¹ m⁻² s⁻¹ sr⁻¹] = FLUX_FACTOR × Σ n [GeV⁻¹ kpc⁻³].
#: φ = c/(4π) n with c in m s⁻¹ and n converted from kpc⁻³ to m⁻³.
FLUX_FACTOR = (C_CM_S / 100.0) / (4.0 * math.pi) / (KPC_CM / 100.0) ** 3

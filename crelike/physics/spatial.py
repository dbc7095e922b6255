"""Spatial distribution of the sources and their distances from the observer.

All lengths are in kpc.  Sources and observer lie in the Galactic plane.

Radial profile (Case & Bhattacharya 1998, as used by the paper):
``f(r) = A sin(π r/r₀ + θ₀) exp(−β r)`` with A = 1.96 kpc⁻², r₀ = 17.2 kpc, θ₀ = 0.08,
β = 0.13 kpc⁻¹, set to zero beyond the first root of the sine (r ≈ 16.76 kpc).

Spiral model (Faucher-Giguère & Kaspi 2006, ApJ 643, 332, §3.2.1), as a generative recipe:

1. draw r from the radial pdf ∝ r f(r);
2. pick one of four arms with equal probability; the arm centroid is
   ``θ(r) = k ln(r/r₀ₐ) + θ₀ₐ`` with (k [rad], r₀ₐ [kpc], θ₀ₐ [rad]) =
   Norma (4.25, 3.48, 1.57), Carina–Sagittarius (4.25, 3.48, 4.71),
   Perseus (4.89, 4.90, 4.09), Crux–Scutum (4.89, 4.90, 0.95);
3. blur the angle by ``±θ_corr exp(−0.35 r/kpc)``, θ_corr uniform in [0, 2π), random sign
   (washes out the arms near the Galactic centre);
4. displace the position by a distance |N(0, 0.07 r)| in a uniformly random direction.

Coordinates as in public FGK implementations (PsrPopPy ``spiralize``/``calc_dtrue``, gammapy
``FaucherSpiral``/``galactic``): x = r cos θ, y = r sin θ, observer at (0, R_⊙), i.e. θ_⊙ = π/2.
FGK's arm parameters (set for R_⊙ = 8.5 kpc) are kept; at R_⊙ = 7.9 kpc the Sun still lies
between the Carina–Sagittarius arm (centroid r ≈ 7.3 kpc along the Sun's direction) and the
Perseus arm (r ≈ 10.6 kpc), as in FGK.

"uniform" means a constant surface density equal to f(R_⊙), normalised by the same Galactic total
N = ∫ f 2π r dr as the other kinds, so the local source density is the same for all three kinds.

Distance tables are stored on a grid uniform in u = s² (fine near s = 0, where the pdf ∝ s), as
the density per unit s², p(u) = f_s(s)/(2s), which is finite and smooth at s = 0.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy import integrate
from scipy.ndimage import gaussian_filter1d

SPATIAL_KINDS: tuple[str, ...] = ("spiral", "radial", "uniform")
#: Observer's galactocentric radius R_⊙ [kpc].
R_SUN = 7.9
#: Default maximum source distance from the observer [kpc].
S_MAX = 10.0

# Case & Bhattacharya parameters: A [kpc⁻²], r₀ [kpc], θ₀, β [kpc⁻¹].
CB_A, CB_R0, CB_THETA0, CB_BETA = 1.96, 17.2, 0.08, 0.13
#: Galactocentric radius where the C&B sine first vanishes [kpc]; f = 0 beyond.
R_EDGE = CB_R0 * (1.0 - CB_THETA0 / math.pi)

#: FGK 2006 arms: (name, k [rad], r₀ₐ [kpc], θ₀ₐ [rad]).
SPIRAL_ARMS: tuple[tuple[str, float, float, float], ...] = (
    ("Norma", 4.25, 3.48, 1.57),
    ("Carina-Sagittarius", 4.25, 3.48, 4.71),
    ("Perseus", 4.89, 4.90, 4.09),
    ("Crux-Scutum", 4.89, 4.90, 0.95),
)

_N_GRID = 4097  # table nodes, uniform in s²
_N_PHI = 1025  # angular quadrature nodes on [0, π] for "radial"
_SPIRAL_SEED = 20060332  # fixed: the spiral table must be identical on every build
_SPIRAL_SAMPLES = 10_000_000
_SPIRAL_CHUNK = 2_500_000  # bounds memory (~ 20 MB per float64 array)
_SPIRAL_SMOOTH = 8.0  # Gaussian smoothing width in grid cells of s² (≈ 0.2 kpc² at s_max = 10)


def radial_profile(r: np.ndarray | float) -> np.ndarray:
    """Case & Bhattacharya surface density of sources.

    Parameters
    ----------
    r : array_like
        Galactocentric radius [kpc].

    Returns
    -------
    numpy.ndarray
        f(r) [kpc⁻²]; zero for r < 0 and beyond `R_EDGE`, where the sine turns negative.
    """
    r = np.asarray(r, dtype=np.float64)
    f = CB_A * np.sin(np.pi * r / CB_R0 + CB_THETA0) * np.exp(-CB_BETA * r)
    return np.where((r >= 0.0) & (r < R_EDGE), f, 0.0)


@functools.lru_cache(maxsize=1)
def galactic_total() -> float:
    """Return N = ∫ f(r) 2π r dr, the total source count per unit normalisation of f [1]."""
    val, _ = integrate.quad(
        lambda r: float(radial_profile(r)) * 2.0 * math.pi * r, 0.0, R_EDGE, epsrel=1e-12
    )
    return val


def sample_spiral_positions(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw source positions from the FGK-style spiral model (see module docstring).

    Parameters
    ----------
    n : int
        Number of positions.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    x, y : numpy.ndarray
        Galactocentric Cartesian coordinates [kpc]; the observer is at (0, `R_SUN`).
    """
    # Inverse CDF of the radial pdf ∝ r f(r) on a fine grid (f vanishes beyond R_EDGE).
    rg = np.linspace(0.0, R_EDGE, 20001)
    cdf = integrate.cumulative_trapezoid(rg * radial_profile(rg), rg, initial=0.0)
    r = np.interp(rng.random(n), cdf / cdf[-1], rg)
    r = np.maximum(r, 1e-9)  # ln(r) below; r = 0 has zero probability anyway
    _, k, r0, th0 = (np.array(col) for col in zip(*SPIRAL_ARMS, strict=True))
    arm = rng.integers(0, len(SPIRAL_ARMS), n)
    theta = k[arm] * np.log(r / r0[arm]) + th0[arm]
    sign = 2.0 * rng.integers(0, 2, n) - 1.0
    theta += sign * rng.uniform(0.0, 2.0 * np.pi, n) * np.exp(-0.35 * r)
    dr = np.abs(rng.standard_normal(n)) * 0.07 * r
    alpha = rng.uniform(0.0, 2.0 * np.pi, n)
    return r * np.cos(theta) + dr * np.cos(alpha), r * np.sin(theta) + dr * np.sin(alpha)


@dataclass(frozen=True, eq=False)  # eq=False: array fields make the generated __eq__ ambiguous
class DistanceTable:
    """Tabulated distribution of source distances s from the observer.

    Attributes
    ----------
    kind : str
        One of `SPATIAL_KINDS`.
    s_max : float
        Largest simulated distance [kpc].
    s : numpy.ndarray
        Distance grid [kpc] from 0 to `s_max`, uniform in s².
    pdf : numpy.ndarray
        f_s(s) [kpc⁻¹]: density of all Galactic sources per unit distance, ∫₀^s_max f_s ds =
        `fraction`.
    cdf : numpy.ndarray
        Cumulative distribution normalised within `s_max` (0 at s = 0, 1 at `s_max`).
    fraction : float
        Fraction of all Galactic sources within `s_max` of the observer.
    """

    kind: str
    s_max: float
    s: np.ndarray
    pdf: np.ndarray
    cdf: np.ndarray
    fraction: float

    def sample(self, u: torch.Tensor) -> torch.Tensor:
        """Map uniform variates to distances by the inverse CDF.

        The CDF is interpolated linearly in s², which is exact for a locally uniform surface
        density and so keeps the s ∝ √u behaviour of the nearest sources.

        Parameters
        ----------
        u : torch.Tensor
            Uniform variates in [0, 1), any shape and device.

        Returns
        -------
        torch.Tensor
            Distances [kpc], same shape, device and dtype as `u`.
        """
        # torch.tensor copies: the cached arrays are read-only, which torch cannot wrap.
        cdf = torch.tensor(self.cdf, dtype=torch.float64, device=u.device)
        s2 = torch.tensor(self.s**2, dtype=torch.float64, device=u.device)
        x = u.to(torch.float64).reshape(-1).contiguous()
        i = torch.searchsorted(cdf, x, right=True).clamp_(1, cdf.numel() - 1)
        c0, c1 = cdf[i - 1], cdf[i]
        w = torch.where(c1 > c0, (x - c0) / (c1 - c0), torch.zeros_like(x))
        out = torch.lerp(s2[i - 1], s2[i], w.clamp(0.0, 1.0)).sqrt()
        return out.reshape(u.shape).to(u.dtype)

    def mean_distance(self) -> float:
        """Return E[s] over sources within `s_max` [kpc] (exact for the `sample` distribution)."""
        u = self.s**2
        # CDF linear in u on each cell: ∫ √u dF = ΔF/Δu · (2/3)(u₁^1.5 − u₀^1.5).
        dfdu = np.diff(self.cdf) / np.diff(u)
        return float(np.sum(dfdu * (2.0 / 3.0) * np.diff(u**1.5)))


def _density_radial(s: np.ndarray) -> np.ndarray:
    """Return p(u) = f_s/(2s) [kpc⁻²] of the axisymmetric profile by angular quadrature."""
    phi = np.linspace(0.0, np.pi, _N_PHI)  # the integrand is even in φ
    out = np.empty_like(s)
    for j in range(0, s.size, 512):  # row blocks bound memory
        sj = s[j : j + 512, None]
        r = np.sqrt(np.maximum(R_SUN**2 + sj**2 - 2.0 * R_SUN * sj * np.cos(phi), 0.0))
        out[j : j + 512] = integrate.trapezoid(radial_profile(r), phi, axis=1)
    # p(u) = (1/2N) ∫₀^{2π} f dφ = (1/N) ∫₀^π f dφ.
    return out / galactic_total()


def _density_spiral(s: np.ndarray) -> tuple[np.ndarray, float]:
    """Return p(u) [kpc⁻²] of the spiral model on the grid and the MC fraction within s[-1]."""
    u_max, n = s[-1] ** 2, s.size
    du = u_max / (n - 1)
    pad = int(4 * _SPIRAL_SMOOTH) + 1  # bins beyond s_max so smoothing sees no false edge there
    counts = np.zeros(n + pad)
    inside = 0
    rng = np.random.default_rng(_SPIRAL_SEED)
    for start in range(0, _SPIRAL_SAMPLES, _SPIRAL_CHUNK):
        x, y = sample_spiral_positions(min(_SPIRAL_CHUNK, _SPIRAL_SAMPLES - start), rng)
        u = x**2 + (y - R_SUN) ** 2
        inside += int(np.count_nonzero(u <= u_max))
        idx = np.floor(u / du + 0.5).astype(np.int64)  # bins centred on grid nodes
        counts += np.bincount(idx[idx < n + pad], minlength=n + pad)
    counts[0] *= 2.0  # the first bin is only half-width ([0, du/2))
    # p(u) is smooth and even in s at s = 0, so mirror about u = 0 when smoothing.
    dens = gaussian_filter1d(counts, _SPIRAL_SMOOTH, mode="mirror")[:n] / (_SPIRAL_SAMPLES * du)
    return dens, inside / _SPIRAL_SAMPLES


def distance_table(kind: str = "spiral", s_max: float = S_MAX) -> DistanceTable:
    """Return the cached distance table of a spatial model, building it on first use.

    Parameters
    ----------
    kind : {"spiral", "radial", "uniform"}
        Spatial model (the simulator's ``spatial=`` option).
    s_max : float
        Largest source distance from the observer [kpc].

    Returns
    -------
    DistanceTable
        Read-only table, shared between calls with equal (kind, s_max).

    Raises
    ------
    ValueError
        For an unknown `kind` or a non-finite or non-positive `s_max`.
    """
    _check_kind(kind)
    # Normalised positional key: lru_cache would treat f("radial") and f("radial", 10.0) apart.
    return _cached_table(kind, _check_s_max(s_max))


@functools.lru_cache(maxsize=16)
def _cached_table(kind: str, s_max: float) -> DistanceTable:
    return build_distance_table(kind, s_max)


def _check_kind(kind: str) -> None:
    if kind not in SPATIAL_KINDS:
        raise ValueError(f"unknown spatial={kind!r}; valid choices are {SPATIAL_KINDS}")


def _check_s_max(s_max: float) -> float:
    try:
        s_val = float(s_max)
    except (TypeError, ValueError):
        s_val = math.nan
    if not (math.isfinite(s_val) and s_val > 0.0):
        raise ValueError(f"s_max must be a finite positive distance in kpc, got s_max={s_max!r}")
    return s_val


def build_distance_table(kind: str = "spiral", s_max: float = S_MAX) -> DistanceTable:
    """Build a fresh distance table; `distance_table` without the cache (same arguments)."""
    _check_kind(kind)
    s_max = _check_s_max(s_max)
    s = s_max * np.sqrt(np.linspace(0.0, 1.0, _N_GRID))
    u = s**2
    if kind == "radial":
        dens = _density_radial(s)
    elif kind == "uniform":
        dens = np.full_like(s, math.pi * float(radial_profile(R_SUN)) / galactic_total())
    else:
        dens, mc_fraction = _density_spiral(s)
        # Keep the smoothed shape but the unbiased MC count for the total within s_max.
        dens *= mc_fraction / integrate.trapezoid(dens, u)
    cum = integrate.cumulative_trapezoid(dens, u, initial=0.0)
    fraction = float(cum[-1])
    if not fraction > 0.0:  # only reachable for the spiral MC at s_max ≲ 0.01 kpc
        raise ValueError(f"s_max={s_max!r} kpc is too small to tabulate spatial={kind!r}")
    arrays = (s, 2.0 * s * dens, cum / fraction)
    for a in arrays:
        a.setflags(write=False)  # the table is cached and shared
    return DistanceTable(kind, s_max, *arrays, fraction=fraction)

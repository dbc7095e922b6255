"""Fast Monte Carlo: near sources one by one, the far field as its exact Gaussian.

Of the ~10⁵ sources of a realisation only a few hundred matter individually; the
rest each add less than ε of the expected flux.  The (s, t) plane is split into

* a **near** region s < S̄(t), with S̄ piecewise constant on age panels and chosen so
  that every source outside it contributes less than ε ⟨φ(E)⟩ at every energy: the
  sources inside are drawn exactly like ``method="exact"`` does (Poisson count per
  panel, uniform age, distance by the inverse CDF truncated at S̄);
* a **far** region, whose summed flux over all energies is replaced by a multivariate
  normal with the exact mean and covariance of the Poisson field restricted to it,
  R ∫∫_far n_j and R ∫∫_far n_j n_k (Campbell's theorem, by quadrature).

The far field is not quite Gaussian: it is skewed by its largest terms.  Its
marginals are therefore bent by the first Cornish–Fisher term, x = z + γ₁(z² − 1)/6
with the exact skewness γ₁ = κ₃/κ₂^{3/2} (third Campbell moment).  The split follows
the tolerance ``tol``: per energy, ε_j is lowered (by factors of 3 from 1e-2) until the
next Cornish–Fisher terms — |γ₂|·|z³ − 3z|/24 + γ₁²·|2z³ − 5z|/36 at z = 1.645, with the
excess kurtosis γ₂ = κ₄/κ₂² — bound the error of the 5 %/95 % quantiles below ``tol``
far-field standard deviations wherever the far field matters: where it can reach the ψ
floor (mean + 3σ above it) and is not a constant (σ ≥ 1e-3 × mean).  Comparing with
the floor rather than with ⟨φ⟩ matters at the highest energies of the hard corners,
where ⟨φ⟩ is dominated by rare near sources while the typical flux is the far field
alone, close to the floor.  The default tol = 0.02 keeps that error near 1/50 of a far-field
standard deviation, inside the bootstrap error of 2e4 realisations.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from numpy.polynomial.legendre import leggauss
from tqdm.auto import tqdm

from crelike.physics.constants import FLUX_FACTOR
from crelike.simulate.exact import MAX_PAIRS, age_strata
from crelike.simulate.model import ForwardModel
from crelike.simulate.planar import interp_uniform, shell_integral, sigma_table
from crelike.spectra import PSI_FLOOR

#: Default tolerance on the far field's quantile bias [far-field standard deviations].
TOL_DEFAULT = 0.02
#: Valid range of ``tol``.
TOL_RANGE = (1e-4, 1.0)
#: Near threshold ε is searched from EPS_START down by EPS_FACTOR, at most EPS_STEPS times.
EPS_START, EPS_FACTOR, EPS_STEPS = 1e-2, 3.0, 14
#: Age panels per decade of age and Gauss–Legendre nodes per panel / per distance integral.
PANELS_PER_DECADE, T_NODES, V_NODES = 6, 6, 12
#: The youngest panel starts at this fraction of the smallest loss time.
T_FLOOR = 1e-8
#: z of the 5 % / 95 % quantiles (Cornish–Fisher term (z² − 1) γ₁ / 6).
Z_TAIL = 1.6448536269514722
#: Sources per chunk of realisations (bounds memory with ``CHUNK_SOURCES`` × D pairs).
CHUNK_SOURCES = 200_000


@dataclass
class FarField:
    """The near/far split of one forward model (see the module docstring).

    Attributes
    ----------
    edges
        Age-panel edges [Myr], shape (K + 1,).
    stops
        Number of energies reachable from each panel, shape (K,).
    radius
        Near radius S̄ of each panel [kpc], shape (K,).
    near_counts
        Expected near sources per realisation in each panel, shape (K,).
    mean, factor
        Far-field mean [GeV⁻¹ kpc⁻³] (D,) and a square root of its covariance (D, D).
    skewness
        Skewness γ₁ of the far field at each energy, (D,).
    epsilon
        The per-energy thresholds ε_j that met the tolerance, shape (D,).
    bias
        Achieved max Cornish–Fisher quantile shift [far-field standard deviations].
    """

    edges: torch.Tensor
    stops: list[int]
    radius: torch.Tensor
    near_counts: torch.Tensor
    mean: torch.Tensor
    factor: torch.Tensor
    skewness: torch.Tensor
    epsilon: torch.Tensor
    bias: float

    @property
    def near_per_realisation(self) -> float:
        """Expected number of individually drawn sources per realisation."""
        return float(self.near_counts.sum())


def validate_tol(tol: float) -> float:
    """Return ``tol`` or raise ``ValueError`` naming the valid range."""
    t = float(tol)
    if not (math.isfinite(t) and TOL_RANGE[0] <= t <= TOL_RANGE[1]):
        raise ValueError(
            f"tol = {tol!r} is outside the valid range [{TOL_RANGE[0]:g}, "
            f"{TOL_RANGE[1]:g}] (far-field standard deviations)"
        )
    return t


def _age_panels(model: ForwardModel) -> tuple[np.ndarray, list[int]]:
    """Panel edges (strata edges plus log-spaced points) and reachable energies per panel."""
    strata = age_strata(model).cpu().numpy()
    t_lo, t_hi = T_FLOOR * strata[1], strata[-1]
    decades = math.log10(t_hi / t_lo)
    logs = np.logspace(
        math.log10(t_lo), math.log10(t_hi), int(math.ceil(decades * PANELS_PER_DECADE)) + 1
    )
    edges = np.unique(np.concatenate([[0.0], logs, strata]))
    loss_time = model.green.loss_time.cpu().numpy()
    stops = [int(np.sum(loss_time >= hi * (1 - 1e-12))) for hi in edges[1:]]
    return edges, stops


def build_far_field(model: ForwardModel, tol: float = TOL_DEFAULT) -> FarField:
    """Split ``model`` into near and far sources for tolerance ``tol`` (module docstring)."""
    tol = validate_tol(tol)
    green = model.green
    cpu = torch.device("cpu")
    edges_np, stops = _age_panels(model)
    n_panels = edges_np.size - 1
    x, wx = leggauss(T_NODES)
    lo, hi = edges_np[:-1, None], edges_np[1:, None]
    t_nodes = torch.as_tensor((0.5 * (hi - lo) * x + 0.5 * (hi + lo)).ravel())
    w_nodes = torch.as_tensor((0.5 * (hi - lo) * wx).ravel())
    panel_of = torch.arange(n_panels).repeat_interleave(T_NODES)  # nodes are panel-major
    n_e = model.energies.size

    ln_a, l2, halo, alive = (v.to(cpu) for v in green.profile(t_nodes.to(model.device), n_e))
    amp = torch.where(alive, torch.exp(ln_a) * halo, 0.0)  # n(s = 0) per node, energy
    alpha = 1.0 / (4.0 * l2)
    reach2 = (torch.clamp(model.light_speed * t_nodes, max=model.distances.s_max) ** 2)[:, None]
    table = model.distances
    s2_grid, _ = sigma_table(table)
    rate_all = model.params.sn_rate * 1e4  # sources per Myr in the whole Galaxy
    zero = torch.zeros_like(reach2)

    # Expected flux per energy from the same nodes (density units), the scale of ε.
    full = w_nodes[:, None] * amp * shell_integral(table, alpha, zero, reach2, V_NODES)
    expected = rate_all * full.sum(dim=0)

    cdf_grid = torch.tensor(np.asarray(model.distances.cdf))
    # The ψ floor in density units: a far field that never reaches it cannot matter.
    floor = 10.0**PSI_FLOOR / (torch.as_tensor(model.energies) ** 3 * FLUX_FACTOR)
    epsilon = torch.full((n_e,), EPS_START, dtype=torch.float64)
    weight = rate_all * w_nodes[:, None]
    for step in range(EPS_STEPS):
        ratio = amp / (epsilon * expected)
        s2_near = torch.where(ratio > 1, 4.0 * l2 * torch.log(torch.clamp(ratio, min=1.0)), 0.0)
        # Panel radius: the largest near radius at its nodes, 5 % margin for between nodes.
        s2_node = s2_near.max(dim=1).values
        s2_panel = s2_node.reshape(n_panels, T_NODES).max(dim=1).values
        s2_panel = torch.clamp(1.1025 * s2_panel, max=model.distances.s_max**2)
        a2 = s2_panel[panel_of][:, None]
        b2 = torch.maximum(reach2, a2)
        # Only the diagonal cumulants decide ε; the full covariance is computed once below.
        mean, var, kappa3, kappa4 = (
            (weight * amp**k * shell_integral(table, k * alpha, a2, b2, V_NODES)).sum(dim=0)
            for k in (1, 2, 3, 4)
        )
        var = torch.clamp(var, min=1e-300)
        skew, kurt = kappa3 / var**1.5, kappa4 / var**2
        # Residual quantile error after the skewness correction (Cornish–Fisher, next order).
        z = Z_TAIL
        shift = kurt.abs() * abs(z**3 - 3 * z) / 24 + skew**2 * abs(2 * z**3 - 5 * z) / 36
        # The far field's shape is irrelevant where it never reaches the ψ floor or where it
        # is a constant to 0.1 %; everywhere else its quantile error must stay below tol.
        sd = var.sqrt()
        matters = (mean + 3.0 * sd >= floor) & (sd >= 1e-3 * mean)
        failing = matters & (shift > tol)
        bias = float(torch.where(matters, shift, 0.0).max())
        if not bool(failing.any()):
            break
        if step == EPS_STEPS - 1:
            warnings.warn(
                f"fast mode reached ε = {float(epsilon.min()):.1e} with a far-field quantile "
                f"error bound of {bias:.3g} > tol = {tol:g}; results are usable but less accurate",
                stacklevel=3,
            )
            break
        # Lower ε only where the bound fails: the near region is the union over energies.
        epsilon = torch.where(failing, epsilon / EPS_FACTOR, epsilon)

    pair_alpha = alpha[:, :, None] + alpha[:, None, :]
    pair_amp = amp[:, :, None] * amp[:, None, :]
    pair_shell = shell_integral(table, pair_alpha, a2[:, :, None], b2[:, :, None], V_NODES)
    cov = (weight[:, :, None] * pair_amp * pair_shell).sum(dim=0)
    eigval, eigvec = torch.linalg.eigh(0.5 * (cov + cov.T))
    factor = eigvec * torch.sqrt(torch.clamp(eigval, min=0.0))
    radius = torch.sqrt(s2_panel)
    cdf_at = interp_uniform(s2_panel, s2_grid, cdf_grid)
    widths = torch.as_tensor(np.diff(edges_np))
    near_counts = model.source_rate * widths * cdf_at
    dev = model.device
    return FarField(
        torch.as_tensor(edges_np, device=dev),
        stops,
        radius.to(dev),
        near_counts.to(dev),
        mean.to(dev),
        factor.to(dev),
        torch.where(matters, skew, 0.0).to(dev),
        epsilon.to(dev),
        bias,
    )


def sample_far(far: FarField, size: int, generator: torch.Generator) -> torch.Tensor:
    """Far-field flux of ``size`` realisations [GeV⁻¹ kpc⁻³], (size, D).

    Correlated normals with the exact covariance, each marginal bent by the
    Cornish–Fisher skewness term x = z + γ₁(z² − 1)/6 (which keeps mean and, to
    O(γ₁²), the covariance) so that the far field's skewness is reproduced too.
    """
    dev = far.mean.device
    white = torch.randn(
        size, far.mean.numel(), generator=generator, dtype=torch.float64, device=dev
    )
    correlated = white @ far.factor.T
    std = torch.sqrt(torch.clamp((far.factor**2).sum(dim=1), min=1e-300))
    z = correlated / std
    bent = z + far.skewness / 6.0 * (z * z - 1.0)
    # The far field is a sum of positive terms: clamp the (rare) negative tail at zero.
    return torch.clamp(far.mean + std * bent, min=0.0)


def simulate_fast(
    model: ForwardModel, n: int, seed: int, tol: float = TOL_DEFAULT, progress: bool = False
) -> torch.Tensor:
    """Flux φ [GeV⁻¹ m⁻² s⁻¹ sr⁻¹] of ``n`` realisations by the near/far split, (n, D)."""
    far = build_far_field(model, tol)
    dev = model.device
    generator = torch.Generator(device=dev)
    generator.manual_seed(int(seed))
    chunk = max(1, int(CHUNK_SOURCES / max(far.near_per_realisation, 1.0)))
    n_e = model.energies.size
    flux = torch.empty(n, n_e, dtype=torch.float64, device=dev)
    edges = far.edges.cpu().numpy()
    counts = far.near_counts.cpu().numpy()
    cdf_top = (far.near_counts / (model.source_rate * torch.diff(far.edges))).cpu().numpy()
    c = model.light_speed
    bar = tqdm(total=n, disable=not progress, unit="real", desc="simulate (fast)")
    for start in range(0, n, chunk):
        size = min(chunk, n - start)
        out = torch.zeros(size, n_e, dtype=torch.float64, device=dev)
        for k, stop in enumerate(far.stops):
            if counts[k] <= 0 or stop == 0:
                continue
            mu = torch.tensor([size * counts[k]], dtype=torch.float64, device=dev)
            count = int(torch.poisson(mu, generator=generator).item())
            if count == 0:
                continue
            block = max(1, MAX_PAIRS // stop)  # cache-sized blocks, as in the exact mode
            for first in range(0, count, block):
                m = min(block, count - first)
                owner = torch.randint(0, size, (m,), generator=generator, device=dev)
                u = torch.rand(2, m, generator=generator, dtype=torch.float64, device=dev)
                age = edges[k] + (edges[k + 1] - edges[k]) * u[0]
                dist = model.distances.sample(u[1] * cdf_top[k])
                keep = dist <= c * age
                dens = model.green.density(dist[keep], age[keep], stop)
                out[:, :stop].index_add_(0, owner[keep], dens)
        far_part = sample_far(far, size, generator)
        flux[start : start + size] = (out + far_part) * FLUX_FACTOR
        bar.update(size)
    bar.close()
    return flux

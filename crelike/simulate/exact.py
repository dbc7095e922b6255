"""Exact Monte Carlo: every source drawn, every contribution summed.

Sources form a Poisson process in age t ∈ [0, t_max) and distance s ∈ [0, s_max]
with rate R_SN · F(s_max) per Myr.  A source contributes at E only if t < τ(E, ∞),
so the age axis is cut at the loss times of the requested energies into strata
[τ(E_{k+1}), τ(E_k)): a source in a stratum reaches exactly the energies below it,
and each stratum is one dense (sources × energies) block — no masking of sources
that cannot contribute (about 6× fewer pairs than every source × every energy).
Within a chunk of B realisations the sources of all realisations are drawn
together (Poisson count with mean B·μ, each assigned a realisation uniformly: the
splitting property makes the per-realisation counts independent Poisson(μ)) and
summed with ``index_add_``.  Accumulation is float64; memory is bounded by
:data:`MAX_PAIRS` per block whatever n is.
"""

from __future__ import annotations

import secrets

import torch
from tqdm.auto import tqdm

from crelike.physics.constants import FLUX_FACTOR
from crelike.simulate.model import ForwardModel

#: Largest (source × energy) block evaluated at once.  Blocks of 512 kB per float64
#: temporary stay in cache and avoid the page faults of large fresh allocations.
MAX_PAIRS = 65_536
#: Target number of (source × energy) pairs per chunk of realisations.
CHUNK_PAIRS = 2_000_000


def new_seed() -> int:
    """A fresh random 63-bit seed (used when the caller passes ``seed=None``)."""
    return secrets.randbits(63)


def expected_pairs(model: ForwardModel) -> float:
    """Mean number of (source, energy) pairs that contribute in one realisation."""
    return model.source_rate * float(model.green.loss_time.sum())


def realisations_per_chunk(model: ForwardModel) -> int:
    """Realisations simulated together; independent of n so outputs do not depend on it."""
    return max(1, int(CHUNK_PAIRS / max(expected_pairs(model), 1.0)))


def age_strata(model: ForwardModel) -> torch.Tensor:
    """Stratum edges 0 < τ(E_max) < … < τ(E_min) = t_max [Myr] (length D + 1)."""
    zero = torch.zeros(1, dtype=torch.float64, device=model.device)
    return torch.cat([zero, model.green.loss_time.flip(0)])


def simulate_chunk(
    model: ForwardModel,
    n_real: int,
    generator: torch.Generator,
    min_age: torch.Tensor | None = None,
) -> torch.Tensor:
    """Sum of n(s_i, t_i, E) over the sources of ``n_real`` realisations.

    Parameters
    ----------
    model
        The forward model.
    n_real
        Number of realisations in this chunk.
    generator
        Torch generator on ``model.device``.
    min_age
        Optional per-energy lower age bound [Myr] (shape (D,)): contributions of
        younger sources are dropped.  Used by the validation of the mean flux,
        where the old-source part has finite variance.

    Returns
    -------
    torch.Tensor
        Σ n [GeV⁻¹ kpc⁻³], float64, shape (n_real, D).
    """
    dev = model.device
    n_energies = model.energies.size
    out = torch.zeros(n_real, n_energies, dtype=torch.float64, device=dev)
    edges = age_strata(model)
    c = model.light_speed
    for m in range(n_energies):
        lo, hi = float(edges[m]), float(edges[m + 1])
        stop = n_energies - m  # energies reached by ages in [lo, hi)
        mean = n_real * model.source_rate * (hi - lo)
        if mean <= 0:
            continue
        count = int(
            torch.poisson(
                torch.tensor([mean], dtype=torch.float64, device=dev), generator=generator
            ).item()
        )
        block = max(1, MAX_PAIRS // stop)
        for start in range(0, count, block):
            size = min(block, count - start)
            owner = torch.randint(0, n_real, (size,), generator=generator, device=dev)
            uniforms = torch.rand(2, size, generator=generator, dtype=torch.float64, device=dev)
            age = lo + (hi - lo) * uniforms[0]
            dist = model.distances.sample(uniforms[1])
            causal = dist <= c * age  # drop sources outside the light cone (≈ 0.3 %)
            owner, age, dist = owner[causal], age[causal], dist[causal]
            dens = model.green.density(dist, age, stop)
            if min_age is not None:
                dens = torch.where(age[:, None] >= min_age[:stop], dens, 0.0)
            out[:, :stop].index_add_(0, owner, dens)
    return out


def simulate_exact(
    model: ForwardModel,
    n: int,
    seed: int,
    progress: bool = False,
    min_age: torch.Tensor | None = None,
) -> torch.Tensor:
    """Flux φ [GeV⁻¹ m⁻² s⁻¹ sr⁻¹] of ``n`` realisations, shape (n, D), float64.

    Realisations are produced in chunks of :func:`realisations_per_chunk` from one
    generator seeded with ``seed`` on ``model.device``: the same seed and device give
    the same output.
    """
    generator = torch.Generator(device=model.device)
    generator.manual_seed(int(seed))
    chunk = realisations_per_chunk(model)
    flux = torch.empty(n, model.energies.size, dtype=torch.float64, device=model.device)
    bar = tqdm(total=n, disable=not progress, unit="real", desc="simulate")
    for start in range(0, n, chunk):
        size = min(chunk, n - start)
        flux[start : start + size] = simulate_chunk(model, size, generator, min_age)
        bar.update(size)
    bar.close()
    return flux * FLUX_FACTOR

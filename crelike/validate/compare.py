"""Quantile and correlation comparison of two samples with bootstrap errors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Quantiles compared (the paper's ΔQ levels).
QUANTILES: tuple[float, ...] = (0.05, 0.16, 0.5, 0.84, 0.95)


@dataclass
class SampleComparison:
    """Differences B − A of per-bin quantiles and pairwise correlations, with errors.

    Attributes
    ----------
    quantiles
        The levels q.
    dq, dq_err
        Quantile differences and their bootstrap standard errors, shape (len(q), D).
    dcorr, dcorr_err
        Pearson-correlation differences over bin pairs i < j and their bootstrap
        standard errors, shape (D(D−1)/2,).
    """

    quantiles: tuple[float, ...]
    dq: np.ndarray
    dq_err: np.ndarray
    dcorr: np.ndarray
    dcorr_err: np.ndarray

    @property
    def quantile_z(self) -> np.ndarray:
        """Signed ΔQ / σ, shape (len(q), D)."""
        return self.dq / self.dq_err

    @property
    def max_quantile_z(self) -> float:
        """Largest |ΔQ| / σ over levels and bins."""
        return float(np.max(np.abs(self.quantile_z)))

    @property
    def worst_quantile(self) -> tuple[float, int]:
        """(level q, bin index) of the largest |ΔQ| / σ."""
        k, j = np.unravel_index(np.argmax(np.abs(self.quantile_z)), self.dq.shape)
        return self.quantiles[int(k)], int(j)

    @property
    def max_corr_z(self) -> float:
        """Largest |Δρ| / σ over bin pairs."""
        return float(np.max(np.abs(self.dcorr) / self.dcorr_err))

    @property
    def max_abs_dq(self) -> float:
        """Largest |ΔQ| (the paper's max-over-bins metric)."""
        return float(np.max(np.abs(self.dq)))


def _quantiles_and_corr(x: np.ndarray, q: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    iu = np.triu_indices(x.shape[1], k=1)
    # A constant bin (ψ on its floor) has no correlation: NaN here, zeroed by the caller.
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(x, rowvar=False)[iu] if x.shape[1] > 1 else np.zeros(0)
    return np.quantile(x, q, axis=0), corr


def compare_samples(
    a: np.ndarray,
    b: np.ndarray,
    *,
    quantiles: tuple[float, ...] = QUANTILES,
    n_boot: int = 200,
    seed: int = 0,
) -> SampleComparison:
    """Compare samples ``a`` and ``b`` (shape (n, D), e.g. ψ) bin by bin and pairwise.

    Errors are the bootstrap standard deviations of each sample's statistic, added
    in quadrature.  A bin that is constant in both samples (e.g. ψ at its floor) gets
    an error of at least 1e-12, so the z-scores stay finite.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    rng = np.random.default_rng(seed)
    qa, ca = _quantiles_and_corr(a, quantiles)
    qb, cb = _quantiles_and_corr(b, quantiles)
    boot_q = {0: [], 1: []}
    boot_c = {0: [], 1: []}
    for k, x in enumerate((a, b)):
        for _ in range(n_boot):
            sample = x[rng.integers(0, len(x), len(x))]
            bq, bc = _quantiles_and_corr(sample, quantiles)
            boot_q[k].append(bq)
            boot_c[k].append(bc)
    dq_err = np.sqrt(np.var(boot_q[0], axis=0) + np.var(boot_q[1], axis=0))
    dc_err = np.sqrt(np.var(boot_c[0], axis=0) + np.var(boot_c[1], axis=0))
    with np.errstate(invalid="ignore"):
        dcorr = np.nan_to_num(cb - ca)
    return SampleComparison(
        tuple(quantiles),
        qb - qa,
        np.maximum(dq_err, 1e-12),
        dcorr,
        np.maximum(np.nan_to_num(dc_err), 1e-12),
    )

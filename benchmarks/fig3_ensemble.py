"""The README figure: an ensemble at the paper's Fig. 3 centre point.

    python benchmarks/fig3_ensemble.py [--n 2000] [--out docs/fig3_centre.png]

R_SN = 2e4 Myr⁻¹, E_cut = 10^4.5 GeV, γ = 2.2, δ = 0.6, κ₀ = 5e28 cm² s⁻¹, default
energies, Klein–Nishina losses, spiral sources; example spectra, median and the
68 % / 90 % bands of E³φ, with the smooth-source expectation ``mean_flux`` and the
H.E.S.S. 2008 points for orientation (not a fit: W_e = 1e48 erg per source).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import crelike  # noqa: E402
from crelike.params import FIG3_CENTRE  # noqa: E402

HESS_2008 = Path(__file__).resolve().parents[1] / "data" / "hess_2008.csv"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="realisations")
    ap.add_argument("--out", type=Path, default=Path("docs/fig3_centre.png"))
    ap.add_argument("--seed", type=int, default=2025)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    flux = crelike.simulate(FIG3_CENTRE, args.n, seed=args.seed, progress=True)
    elapsed = time.perf_counter() - t0
    mean = crelike.mean_flux(FIG3_CENTRE).numpy()
    e = crelike.ENERGIES

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    crelike.plot_fluxes(flux, ax=ax)
    ax.plot(e, mean * e**3, "k--", lw=1.2, label="mean_flux (smooth sources)")
    if HESS_2008.exists():
        d = pd.read_csv(HESS_2008, comment="#")
        ax.errorbar(
            d["E"],
            d["E3flux"],
            yerr=[d["E3flux_stat_low"], d["E3flux_stat_up"]],
            fmt="o",
            ms=3,
            color="C3",
            label="H.E.S.S. 2008 (stat.)",
        )
    ax.set_title(
        r"$R_{SN}=2$, $E_{cut}=10^{4.5}$ GeV, $\gamma=2.2$, $\delta=0.6$, $\kappa_0=5$"
        f"  (n = {args.n})",
        fontsize=9,
    )
    ax.legend(loc="lower left", frameon=False, fontsize=8)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=130, bbox_inches="tight")
    print(f"{args.n} realisations in {elapsed:.1f} s ({args.n / elapsed:.1f}/s); wrote {args.out}")


if __name__ == "__main__":
    main()

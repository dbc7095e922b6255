"""Speed of the Monte Carlo against the paper's method, measured in one run.

    python benchmarks/bench_mc.py [--n-ref 20] [--n-exact 400]

At the paper's single-point setup (R_SN = 4.55, E_cut = 1e4 GeV, γ = 2.2, δ = 0.6,
κ₀ = 3; 19 energies 10^2.4–10^4.2 GeV) it times the plain numpy reference
(benchmarks/reference_numpy.py: every source × every energy),
``crelike.simulate(method="exact")`` and ``method="fast"``, prints realisations per
second and the ratios to the reference, and checks that all give the same
statistics (two-sample KS per energy against the exact sample).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_numpy import NumpyReference  # noqa: E402

import crelike  # noqa: E402
from crelike.params import SINGLE_POINT  # noqa: E402

ENERGIES = np.logspace(2.4, 4.2, 19)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n-ref", type=int, default=20, help="numpy reference realisations")
    ap.add_argument("--n-exact", type=int, default=400, help="exact-mode realisations")
    ap.add_argument("--n-fast", type=int, default=20000, help="fast-mode realisations")
    ap.add_argument("--losses", default="kn")
    args = ap.parse_args(argv)

    ref = NumpyReference(SINGLE_POINT, ENERGIES, losses=args.losses)
    crelike.simulate(SINGLE_POINT, 2, energies=ENERGIES, losses=args.losses, seed=0)  # warm-up

    t0 = time.perf_counter()
    ref_flux = ref.simulate(args.n_ref, seed=1)
    t_ref = (time.perf_counter() - t0) / args.n_ref

    t0 = time.perf_counter()
    exact = crelike.simulate(
        SINGLE_POINT, args.n_exact, energies=ENERGIES, losses=args.losses, seed=2
    ).numpy()
    t_exact = (time.perf_counter() - t0) / args.n_exact

    crelike.simulate(
        SINGLE_POINT, 2, energies=ENERGIES, losses=args.losses, seed=0, method="fast"
    )  # warm-up
    t0 = time.perf_counter()
    fast = crelike.simulate(
        SINGLE_POINT, args.n_fast, energies=ENERGIES, losses=args.losses, seed=3, method="fast"
    ).numpy()
    t_fast = (time.perf_counter() - t0) / args.n_fast

    print(f"single-point setup, losses={args.losses}, torch threads={torch.get_num_threads()}")
    print(f"numpy reference : {1 / t_ref:10.2f} realisations/s ({t_ref * 1e3:.1f} ms each)")
    print(f"exact (torch)   : {1 / t_exact:10.2f} realisations/s ({t_exact * 1e3:.2f} ms each)")
    print(f"fast (torch)    : {1 / t_fast:10.2f} realisations/s ({t_fast * 1e3:.3f} ms each)")
    print(f"ratio exact/ref : {t_ref / t_exact:10.1f}x")
    print(f"ratio fast/ref  : {t_ref / t_fast:10.1f}x")
    for name, other in (("reference", ref_flux), ("fast", fast)):
        p = [stats.ks_2samp(other[:, j], exact[:, j]).pvalue for j in range(ENERGIES.size)]
        print(
            f"KS vs exact     : {name:9s} min p-value over {ENERGIES.size} energies = "
            f"{min(p):.3f} (n={len(other)} vs n_exact={args.n_exact})"
        )


if __name__ == "__main__":
    main()

"""Validation of method="fast" against method="exact" (issue 3), with a committed report.

    python benchmarks/validate_fast.py [--n 20000] [--out benchmarks/reports/fast_validation]

For each configuration (parameter point × loss model × source distribution) it draws
n exact and n fast realisations and reports, on ψ = log10(E³φ):

* per-energy quantile differences ΔQ at q = 0.05, 0.16, 0.5, 0.84, 0.95, as the max |ΔQ|
  and the max |ΔQ|/σ_boot (bootstrap error of both samples);
* pairwise correlation differences, max |Δρ|/σ_boot;
* the classifier two-sample test (paper protocol: 32 ReLU units, 100 epochs), held-out
  accuracy (0.5 = indistinguishable);
* speed of both methods and the near/far split (ε, near sources per realisation).

Results are cached per configuration in ``<out>.json`` (atomically), so an
interrupted run resumes; ``<out>.md`` is the table.  Runs split over processes
(``--losses``, ``--points``) are combined with ``--merge A.json B.json ...``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import crelike
from crelike.params import SINGLE_POINT, Params
from crelike.simulate.fast import build_far_field
from crelike.simulate.model import build_model
from crelike.validate import classifier_two_sample_test, compare_samples

POINTS: dict[str, tuple[Params, np.ndarray | None]] = {
    "centre": (Params(2.0, 4.5, 2.2, 0.6, 5.0), None),
    "low R,δ,κ₀": (Params(0.5, 4.5, 2.2, 0.2, 1.0), None),
    "low R": (Params(0.5, 4.5, 2.2, 0.6, 5.0), None),
    "low δ": (Params(2.0, 4.5, 2.2, 0.2, 5.0), None),
    "low κ₀": (Params(2.0, 4.5, 2.2, 0.6, 1.0), None),
    "high corner": (Params(3.0, 5.5, 2.6, 1.0, 9.0), None),
    "single point": (SINGLE_POINT, np.logspace(2.4, 4.2, 19)),
}
#: Default (losses, spatial) configurations; ``--configs`` picks others, e.g. ``kn:radial``.
CONFIGS = [("kn", "spiral"), ("thomson", "radial")]


def parse_config(text: str) -> tuple[str, str]:
    """``"losses:spatial"`` → (losses, spatial), checked against the simulator's choices."""
    from crelike.physics.losses import LOSS_MODELS
    from crelike.physics.spatial import SPATIAL_KINDS

    losses, _, spatial = text.partition(":")
    if losses not in LOSS_MODELS or spatial not in SPATIAL_KINDS:
        raise argparse.ArgumentTypeError(
            f"config {text!r}: expected LOSSES:SPATIAL with LOSSES in {sorted(LOSS_MODELS)} "
            f"and SPATIAL in {sorted(SPATIAL_KINDS)}"
        )
    return losses, spatial


def atomic_json(path: Path, data: object) -> None:
    """Write JSON through a temp file and rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)


def run_one(
    theta: Params, energies: np.ndarray | None, losses: str, spatial: str, n: int, seed: int
) -> dict:
    kw = {"energies": energies, "losses": losses, "spatial": spatial}
    e = crelike.ENERGIES if energies is None else energies
    t0 = time.perf_counter()
    exact = crelike.simulate(theta, n, method="exact", seed=seed, **kw)
    t_exact = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    fast = crelike.simulate(theta, n, method="fast", seed=seed + 1, **kw)
    t_fast = (time.perf_counter() - t0) / n
    pe, pf = crelike.psi(exact, e).numpy(), crelike.psi(fast, e).numpy()
    cmp = compare_samples(pe, pf, n_boot=200, seed=seed)
    acc = classifier_two_sample_test(pe, pf, seed=seed)
    far = build_far_field(build_model(theta, energies, losses=losses, spatial=spatial))
    return {
        "theta": list(theta),
        "losses": losses,
        "spatial": spatial,
        "n": n,
        "max_abs_dq": cmp.max_abs_dq,
        "max_q_z": cmp.max_quantile_z,
        "worst_q": cmp.worst_quantile[0],
        "worst_energy": float(np.asarray(e)[cmp.worst_quantile[1]]),
        "max_corr_z": cmp.max_corr_z,
        "c2st": acc,
        "ms_exact": t_exact * 1e3,
        "ms_fast": t_fast * 1e3,
        "epsilon": float(far.epsilon.min()),
        "near": far.near_per_realisation,
        "bias": far.bias,
    }


def write_table(results: dict, path: Path) -> None:
    lines = [
        '# method="fast" vs method="exact"',
        "",
        "Produced by `python benchmarks/validate_fast.py` (ψ = log10 E³φ; ΔQ over q = 0.05, "
        "0.16, 0.5, 0.84, 0.95 and all energies; z = |Δ|/σ_bootstrap; C2ST = held-out accuracy "
        "of the paper's classifier, 0.5 = indistinguishable).",
        "",
        "| point | losses | spatial | n | max abs ΔQ | max z(ΔQ) | max z(Δρ) | C2ST "
        "| ε | near/real | exact ms | fast ms | speed-up |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, r in results.items():
        lines.append(
            f"| {key.split('|')[0]} | {r['losses']} | {r['spatial']} | {r['n']} | "
            f"{r['max_abs_dq']:.4f} | {r['max_q_z']:.2f} | {r['max_corr_z']:.2f} | "
            f"{r['c2st']:.3f} | {r['epsilon']:.1e} | {r['near']:.0f} | {r['ms_exact']:.2f} | "
            f"{r['ms_fast']:.3f} | {r['ms_exact'] / r['ms_fast']:.0f}× |"
        )
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/reports/fast_validation"))
    ap.add_argument("--seed", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1, help="torch threads")
    ap.add_argument("--losses", choices=["kn", "thomson"], help="only this loss model's configs")
    ap.add_argument(
        "--configs",
        nargs="+",
        type=parse_config,
        default=CONFIGS,
        metavar="LOSSES:SPATIAL",
        help="configurations to run (default: kn:spiral thomson:radial)",
    )
    ap.add_argument("--points", nargs="*", help="only these points (names as in POINTS)")
    ap.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        metavar="JSON",
        help="only merge the caches of runs split over processes into <out>",
    )
    args = ap.parse_args(argv)
    if args.merge:
        merged: dict = {}
        for path in args.merge:
            merged.update(json.loads(path.read_text()))
        atomic_json(args.out.with_suffix(".json"), merged)
        write_table(merged, args.out.with_suffix(".md"))
        return
    torch.set_num_threads(args.threads)
    cache = args.out.with_suffix(".json")
    results = json.loads(cache.read_text()) if cache.exists() else {}
    for losses, spatial in args.configs:
        if args.losses and losses != args.losses:
            continue
        for name, (theta, energies) in POINTS.items():
            if args.points and name not in args.points:
                continue
            key = f"{name}|{losses}|{spatial}|{args.n}"
            if key in results:
                continue
            r = run_one(theta, energies, losses, spatial, args.n, args.seed)
            results[key] = r
            atomic_json(cache, results)
            write_table(results, args.out.with_suffix(".md"))
            print(
                f"{key}: C2ST {r['c2st']:.3f}, max z(ΔQ) {r['max_q_z']:.2f}, "
                f"max z(Δρ) {r['max_corr_z']:.2f}",
                flush=True,
            )
    write_table(results, args.out.with_suffix(".md"))


if __name__ == "__main__":
    main()

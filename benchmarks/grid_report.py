"""Audit and summarise a finished grid folder written by ``crelike simulate-grid``.

    python benchmarks/grid_report.py DIR [--out benchmarks/reports/table1_grid]

Reads every point file with the validating reader (shapes, attributes, finite and
non-negative flux) and checks it against the folder's manifest (θ, n, settings,
energies and the per-point seed: ``crelike.simulate.grid.read_point``).  Writes
``<out>.md`` (counts, size on disk, generation time taken from the files' own creation
stamps) and ``<out>.png`` (ψ bands at three grid points and the 68 % width of ψ at
~3 TeV over the whole grid against R_SN).
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

import numpy as np
from tqdm import tqdm

from crelike.params import PARAM_NAMES
from crelike.simulate.grid import point_filename, read_point
from crelike.spectra import psi

#: (label, θ) of the points drawn as bands: the centre, the paper's hard corner, the top corner.
BAND_POINTS = {
    "centre (2, 4.5, 2.2, 0.6, 5)": (2.0, 4.5, 2.2, 0.6, 5.0),
    "lowest R_SN, δ, κ₀": (0.5, 4.5, 2.2, 0.2, 1.0),
    "highest corner": (3.0, 5.5, 2.6, 1.0, 9.0),
}

#: Energy [GeV] at which the spread of ψ is mapped over the grid (nearest grid energy).
SPREAD_ENERGY = 3000.0


def audit(folder: Path) -> dict:
    """Read and check every point of ``folder``; return the per-point summaries [ψ units]."""
    manifest = json.loads((folder / "grid.json").read_text())
    points = np.asarray(manifest["points"], dtype=float)
    energies = np.asarray(manifest["energies"])
    k_spread = int(np.argmin(np.abs(np.log(energies / SPREAD_ENERGY))))
    quantiles = np.array([0.16, 0.5, 0.84])
    q_all = np.full((len(points), len(quantiles), len(energies)), np.nan)
    stamps, faults, size = [], [], 0
    for i, theta in enumerate(tqdm(points, desc="audit", unit="pt", mininterval=2.0)):
        path = folder / point_filename(i)
        try:
            ens = read_point(path, i, theta, manifest)
        except (OSError, ValueError) as err:
            faults.append(str(err))  # names the file and the fault
            continue
        size += path.stat().st_size
        stamps.append(datetime.fromisoformat(ens.attrs["created"]))
        q_all[i] = np.quantile(psi(ens.flux, energies).numpy(), quantiles, axis=0)
    return {
        "manifest": manifest,
        "points": points,
        "energies": energies,
        "k_spread": k_spread,
        "q": q_all,
        "spread": q_all[:, 2, k_spread] - q_all[:, 0, k_spread],
        "faults": faults,
        "size": size,
        "stamps": stamps,
    }


def plot(summary: dict, path: Path) -> None:
    """ψ bands at ``BAND_POINTS`` and the 68 % width at ``SPREAD_ENERGY`` against R_SN."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points, energies, q = summary["points"], summary["energies"], summary["q"]
    fig, (ax_a, ax_b) = plt.subplots(1, 2, figsize=(11, 4.2))
    for label, theta in BAND_POINTS.items():
        i = int(np.argmin(np.abs(points - np.asarray(theta)).sum(axis=1)))
        (line,) = ax_a.plot(energies, q[i, 1], label=label)
        ax_a.fill_between(energies, q[i, 0], q[i, 2], color=line.get_color(), alpha=0.25)
    ax_a.set(
        xscale="log",
        xlabel="E [GeV]",
        ylabel=r"$\psi=\log_{10}(E^3\phi\,/\,\mathrm{GeV^2\,m^{-2}\,s^{-1}\,sr^{-1}})$",
        title=f"median and 16–84 % band, {summary['manifest']['n_real']} realisations",
    )
    ax_a.legend(fontsize=8)
    k, width = summary["k_spread"], summary["spread"]
    jitter = np.random.default_rng(0).uniform(-0.12, 0.12, len(points))
    sc = ax_b.scatter(points[:, 0] + jitter, width, c=points[:, 3], s=3, cmap="viridis")
    fig.colorbar(sc, ax=ax_b, label=r"$\delta$")
    ax_b.set(
        xlabel=r"$R_\mathrm{SN}$ [century$^{-1}$]",
        ylabel=rf"68 % width of $\psi$ at {energies[k]:.0f} GeV [dex]",
        yscale="log",
        title=f"all {len(points)} grid points",
    )
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    tmp.replace(path)
    plt.close(fig)


def report(summary: dict, folder: Path, out: Path) -> str:
    """Markdown summary of the audit."""
    m, stamps = summary["manifest"], summary["stamps"]
    n_pts = len(summary["points"])
    start = datetime.fromisoformat(m["created"])
    span = (max(stamps) - start).total_seconds() if stamps else float("nan")
    k, width = summary["k_spread"], summary["spread"]
    lines = [
        f"# Grid `{folder}`",
        "",
        f"Produced by `python benchmarks/grid_report.py {folder}`.",
        "",
        f"- settings: method={m['method']}, losses={m['losses']}, spatial={m['spatial']}, "
        f"z_max={m['z_max']} kpc, seed={m['seed']}, crelike {m['crelike_version']}",
        f"- parameters: {', '.join(PARAM_NAMES)}; {n_pts} points × {m['n_real']} realisations × "
        f"{len(summary['energies'])} energies",
        f"- valid point files: {len(stamps)} / {n_pts}; faults: {len(summary['faults'])}",
        f"- size on disk: {summary['size'] / 2**30:.2f} GiB "
        f"({summary['size'] / max(len(stamps), 1) / 2**10:.0f} KiB per point)",
        f"- generation: manifest {m['created']} → last point {max(stamps).isoformat()}: "
        f"{span / 60:.1f} min ({span / max(len(stamps), 1):.3f} s per point)",
        f"- 68 % width of ψ at {summary['energies'][k]:.0f} GeV over the grid: "
        f"min {np.nanmin(width):.3f}, median {np.nanmedian(width):.3f}, "
        f"max {np.nanmax(width):.3f} dex",
        "",
        f"![grid summary]({out.name}.png)",
    ]
    lines += [f"- FAULT {f}" for f in summary["faults"][:50]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/reports/table1_grid"))
    args = parser.parse_args()
    summary = audit(args.folder)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    plot(summary, args.out.with_suffix(".png"))
    text = report(summary, args.folder, args.out)
    tmp = args.out.with_suffix(".tmp.md")
    tmp.write_text(text)
    tmp.replace(args.out.with_suffix(".md"))
    print(text)
    if summary["faults"]:
        raise SystemExit(f"{len(summary['faults'])} faulty point files")


if __name__ == "__main__":
    main()

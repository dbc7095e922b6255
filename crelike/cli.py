"""The ``crelike`` command line.

``crelike simulate``       one parameter point → one ensemble file (and an optional plot)
``crelike simulate-grid``  a parameter grid → one ensemble file per point, on Dask

Bad input prints one line ``crelike <command>: error: …`` on stderr and exits with
status 2; failed grid points exit with status 1 (rerun the same command to retry them).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import numpy as np

from crelike.params import PARAM_NAMES

METHODS = ("exact", "fast")
LOSSES = ("kn", "thomson")
SPATIAL = ("spiral", "radial", "uniform")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE (see PROG --help)`` on stderr and exit with 2."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keep the descriptions' line breaks; show defaults only where there is one."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.option_strings and action.default not in (None, False, argparse.SUPPRESS):
            text += " (default: %(default)s)"
        return text


def _add_physics_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--method",
        choices=METHODS,
        default="exact",
        help="Monte Carlo method: every source drawn (exact) or near sources plus the far "
        "field's exact Gaussian statistics (fast)",
    )
    p.add_argument(
        "--losses",
        choices=LOSSES,
        default="kn",
        help="energy losses: full Klein-Nishina inverse Compton (kn) or the Thomson limit",
    )
    p.add_argument(
        "--spatial",
        choices=SPATIAL,
        default="spiral",
        help="source distribution: spiral arms, axisymmetric (radial) or uniform",
    )
    p.add_argument(
        "--z-max", type=float, default=4.0, metavar="KPC", help="halo half-height z_max [kpc]"
    )


def _int_at_least(minimum: int):
    """An argparse type: an integer ≥ ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


_positive_int = _int_at_least(1)
_seed = _int_at_least(0)


def _theta(text: str) -> list[float]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != len(PARAM_NAMES):
        raise argparse.ArgumentTypeError(
            f"expected 5 comma-separated numbers {','.join(PARAM_NAMES)}, got {len(parts)}"
        )
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not 5 numbers") from None


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``crelike`` (exposed for documentation and tests)."""
    parser = _Parser(
        prog="crelike",
        description="Stochastic cosmic-ray electron spectra from discrete supernova remnants.",
    )
    from crelike._version import __version__

    parser.add_argument("--version", action="version", version=f"crelike {__version__}")
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )

    p = sub.add_parser(
        "simulate",
        help="simulate one parameter point and write an ensemble file",
        formatter_class=_Formatter,
        description="Simulate N realisations of the electron flux at one θ and write them\n"
        "to an HDF5 ensemble file (the format of simulate-grid).\n\n"
        "example: crelike simulate --theta 2,4.5,2.2,0.6,5 --n 1000 --out centre.h5",
    )
    p.add_argument(
        "--theta",
        type=_theta,
        required=True,
        metavar="R,LOGECUT,GAMMA,DELTA,KAPPA0",
        help="the point: R_SN [1e4/Myr], log10(E_cut/GeV), gamma, delta, kappa0 [1e28 cm^2/s]",
    )
    p.add_argument("--n", type=_positive_int, required=True, help="number of realisations")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.h5", help="output file")
    _add_physics_options(p)
    p.add_argument(
        "--seed", type=_seed, default=None, help="random seed (default: fresh, recorded in FILE)"
    )
    p.add_argument("--device", default=None, help="torch device, e.g. cuda (default: cpu)")
    p.add_argument(
        "--plot", type=Path, default=None, metavar="FILE.png", help="also plot the spectra"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_simulate)

    g = sub.add_parser(
        "simulate-grid",
        help="simulate a parameter grid, one ensemble file per point, on Dask",
        formatter_class=_Formatter,
        description="Simulate N realisations at every point of a grid: one file\n"
        "DIR/point_NNNNN.h5 per point and a manifest DIR/grid.json. Each point's seed\n"
        "derives from (--seed, point index), so results do not depend on the workers.\n"
        "An interrupted run resumes where it stopped: rerun the same command.\n\n"
        "examples:\n"
        "  crelike simulate-grid --grid table1 --n-real 2000 --out runs/table1 --method fast\n"
        "  crelike simulate-grid --grid mine.csv --n-real 500 --out runs/mine "
        "--scheduler tcp://10.0.0.5:8786",
    )
    g.add_argument(
        "--grid",
        required=True,
        metavar="table1|table1-offset|FILE.csv",
        help="the paper's Table-1 grid (6750 points), its cell centres (2560), or a CSV "
        f"file with the header {','.join(PARAM_NAMES)}",
    )
    g.add_argument(
        "--n-real", type=_positive_int, required=True, metavar="N", help="realisations per point"
    )
    g.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    _add_physics_options(g)
    g.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="address of a running dask.distributed scheduler (default: start a local cluster)",
    )
    g.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        metavar="K",
        help="local worker processes, 1 thread each (default: all cores)",
    )
    g.add_argument("--seed", type=_seed, default=0, help="base seed; point i uses (seed, i)")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g.set_defaults(func=_cmd_simulate_grid)
    return parser


class _UsageError(Exception):
    """Bad input detected after parsing (exit status 2)."""


def _cmd_simulate(args: argparse.Namespace) -> int:
    import crelike
    from crelike.data import write_ensemble
    from crelike.params import as_params
    from crelike.simulate.exact import new_seed

    try:
        theta = as_params(args.theta)
    except ValueError as err:
        raise _UsageError(f"--theta: {err}") from None
    if not args.out.parent.is_dir():
        raise _UsageError(f"--out: folder {args.out.parent} does not exist")
    # Always record a seed, so that every file can be reproduced.
    seed = new_seed() if args.seed is None else args.seed
    settings = {
        "energies": np.asarray(crelike.ENERGIES, dtype=np.float64),
        "method": args.method,
        "losses": args.losses,
        "spatial": args.spatial,
        "z_max": args.z_max,
        "seed": seed,
    }
    flux = crelike.simulate(
        theta, args.n, device=args.device, progress=not args.no_progress, **settings
    )
    write_ensemble(args.out, flux, theta=theta, **settings)
    print(f"wrote {args.out} ({args.n} realisations, seed {seed})")
    if args.plot is not None:
        plot_fluxes = crelike.plot_fluxes
        import matplotlib

        matplotlib.use("Agg")  # files only; never needs a display
        ax = plot_fluxes(flux, settings["energies"])  # returns the matplotlib Axes drawn on
        ax.figure.savefig(args.plot, dpi=150, bbox_inches="tight")
        print(f"wrote {args.plot}")
    return 0


def _cmd_simulate_grid(args: argparse.Namespace) -> int:
    from crelike.simulate.grid import GridLockedError, grid_points, run_grid

    try:
        points = grid_points(args.grid)
    except ValueError as err:
        raise _UsageError(f"--grid: {err}") from None
    try:
        report = run_grid(
            points,
            args.n_real,
            args.out,
            method=args.method,
            losses=args.losses,
            spatial=args.spatial,
            z_max=args.z_max,
            seed=args.seed,
            scheduler=args.scheduler,
            workers=args.workers,
            progress=not args.no_progress,
        )
    except GridLockedError as err:
        raise _UsageError(str(err)) from None
    print(report.summary())
    if report.failed:
        print(
            "crelike simulate-grid: some points failed; rerun the same command to retry them",
            file=sys.stderr,
        )
        return 1
    return 0


def _setup_logging() -> None:
    root = logging.getLogger()
    if any(getattr(h, "_crelike_cli", False) for h in root.handlers):
        return  # main() called again in the same process
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)  # Dask's loggers emit INFO chatter through the root
    handler.setFormatter(logging.Formatter("crelike: %(levelname)s: %(message)s"))
    handler._crelike_cli = True  # type: ignore[attr-defined]
    root.addHandler(handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``crelike`` command line.

    Parameters
    ----------
    argv
        Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        Exit status: 0 success, 1 some grid points failed, 2 bad input, 130 interrupted.
    """
    parser = build_parser()
    args = parser.parse_args(argv)  # argparse itself exits 2 on malformed arguments
    _setup_logging()
    try:
        return int(args.func(args))
    except (_UsageError, ValueError) as err:
        # ValueError is the package's "your input is wrong" signal (bad θ, a folder
        # holding another run, a foreign file): one line, no traceback.
        msg = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(f"crelike {args.command}: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"crelike {args.command}: interrupted (rerun the same command to resume)",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())

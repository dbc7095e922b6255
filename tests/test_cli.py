"""The ``crelike`` command line: simulate, simulate-grid, and one-line errors with status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import crelike
from crelike.cli import build_parser, main
from crelike.data import read_ensemble
from crelike.params import Params

REPO = Path(__file__).resolve().parents[1]
THETA = "0.5,4.0,2.2,0.6,3"


def _one_line_error(capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "error:" in lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_help_lists_both_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "simulate-grid" in out and "simulate " in out
    help_grid = build_parser()._subparsers._group_actions[0].choices["simulate-grid"].format_help()
    for option in ("--grid", "--n-real", "--scheduler", "--workers", "--seed", "--method"):
        assert option in help_grid


def test_simulate_writes_a_reproducible_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "one.h5"
    png = tmp_path / "one.png"
    args = ["simulate", "--theta", THETA, "--n", "5", "--out", str(out), "--seed", "7"]
    code = main([*args, "--losses", "thomson", "--spatial", "radial", "--plot", str(png)])
    assert code == 0, capsys.readouterr().err
    e = read_ensemble(out)
    assert e.theta == Params(0.5, 4.0, 2.2, 0.6, 3.0) and e.seed == 7 and e.n == 5
    assert e.attrs["losses"] == "thomson" and e.attrs["method"] == "exact"
    assert e.attrs["spatial"] == "radial"
    np.testing.assert_array_equal(e.energies, crelike.ENERGIES)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        ref = crelike.simulate(e.theta, 5, seed=7, losses="thomson", spatial="radial").numpy()
    finally:
        torch.set_num_threads(threads)
    np.testing.assert_allclose(e.flux, ref, rtol=1e-12, atol=0)
    assert png.stat().st_size > 1000 and png.read_bytes()[:4] == b"\x89PNG"


def test_simulate_without_seed_records_the_drawn_seed(tmp_path: Path) -> None:
    out = tmp_path / "a.h5"
    args = ["--n", "2", "--out", str(out), "--spatial", "radial", "--no-progress"]
    assert main(["simulate", "--theta", THETA, *args]) == 0
    seed = read_ensemble(out).seed
    assert seed is not None and 0 <= seed < 2**63


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["simulate", "--theta", "0.5,4,2.2,0.6,-3", "--n", "2", "--out", "x.h5"], ["kappa0"]),
        (["simulate", "--theta", "0.5,4,2.2", "--n", "2", "--out", "x.h5"], ["--theta"]),
        (["simulate", "--theta", THETA, "--n", "0", "--out", "x.h5"], ["--n"]),
        (["simulate", "--theta", THETA, "--n", "2", "--out", "nowhere/x.h5"], ["nowhere"]),
        (["simulate", "--theta", THETA, "--n", "2", "--out", "x.h5", "--losses", "kk"], ["kk"]),
        (["simulate-grid", "--grid", "table9", "--n-real", "2", "--out", "o"], ["table9"]),
        (["simulate-grid", "--grid", "table1", "--out", "o"], ["--n-real"]),
        (["simulate-grid", "--grid", "table1", "--n-real", "2", "--out", "o", "--seed", "-1"], []),
    ],
)
def test_bad_input_is_one_line_and_status_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    needles: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    assert code == 2
    _one_line_error(capsys, *needles)
    assert not (tmp_path / "x.h5").exists() and not (tmp_path / "o").exists()


def test_bad_csv_and_foreign_grid_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "g.csv"
    csv.write_text("sn_rate,log10_ecut,gamma,delta,kappa\n1,4,2.2,0.6,3\n")
    argv = ["simulate-grid", "--grid", str(csv), "--n-real", "2", "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    _one_line_error(capsys, "'kappa'", "kappa0")

    # A folder holding a run with other settings is refused before any work is done.
    csv.write_text("sn_rate,log10_ecut,gamma,delta,kappa0\n1,4,2.2,0.6,3\n")
    out = tmp_path / "o"
    out.mkdir()
    (out / "grid.json").write_text(
        '{"format": "crelike-grid", "n_real": 99, "points": [[1, 4, 2.2, 0.6, 3]]}'
    )
    assert main(argv) == 2
    _one_line_error(capsys, "different settings", "n_real")
    assert sorted(p.name for p in out.iterdir()) == ["grid.json", "grid.lock"]


def test_module_entry_point_exits_2_without_traceback(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "crelike.cli", "simulate", "--theta", "9,9,9,9,9", "--n", "1"]
        + ["--out", str(tmp_path / "x.h5")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert "log10_ecut" in res.stderr

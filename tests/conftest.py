"""Shared fixtures: every test starts from fixed seeds and a non-interactive backend."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

os.environ.setdefault("MPLBACKEND", "Agg")

SEED = 20250106


@pytest.fixture(autouse=True)
def _seed_everything() -> None:
    """Seed torch and numpy's legacy global state so any implicit draw is reproducible."""
    torch.manual_seed(SEED)
    np.random.seed(SEED % 2**32)  # noqa: NPY002 - seeds legacy global draws in libraries


@pytest.fixture
def rng() -> np.random.Generator:
    """A numpy Generator with the suite's fixed seed."""
    return np.random.default_rng(SEED)

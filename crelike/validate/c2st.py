"""Classifier two-sample test (C2ST) with the paper's protocol.

A small MLP (one 32-unit ReLU layer, sigmoid output, binary cross-entropy, Adam) is
trained to tell sample A from sample B; its accuracy on held-out data is the
statistic: 0.5 means indistinguishable.  The paper trains 100 epochs on a balanced
1e5 set; the defaults here follow it with the inputs standardised.
"""

from __future__ import annotations

import numpy as np
import torch


def classifier_two_sample_test(
    a: np.ndarray | torch.Tensor,
    b: np.ndarray | torch.Tensor,
    *,
    epochs: int = 100,
    hidden: int = 32,
    batch_size: int = 256,
    lr: float = 1e-3,
    test_fraction: float = 0.3,
    seed: int = 0,
) -> float:
    """Held-out accuracy of an MLP separating ``a`` from ``b``.

    Parameters
    ----------
    a, b
        Samples of shape (n_a, D) and (n_b, D) (e.g. ψ); the larger is subsampled so
        the classes are balanced.
    epochs, hidden, batch_size, lr
        Training protocol (paper: 100 epochs, 32 hidden ReLU units).
    test_fraction
        Fraction of the balanced set held out for the accuracy.
    seed
        Seed of the split, the initialisation and the batches.

    Returns
    -------
    float
        Accuracy on the held-out set, in [0, 1]; ≈ 0.5 when ``a`` and ``b`` agree.
    """
    gen = torch.Generator().manual_seed(seed)
    xa = torch.as_tensor(np.asarray(a), dtype=torch.float32)
    xb = torch.as_tensor(np.asarray(b), dtype=torch.float32)
    if xa.ndim != 2 or xb.ndim != 2 or xa.shape[1] != xb.shape[1]:
        raise ValueError(f"a and b must be (n, D) with equal D, got {xa.shape} and {xb.shape}")
    if not (torch.isfinite(xa).all() and torch.isfinite(xb).all()):
        raise ValueError("a and b must be finite (apply the ψ floor before testing)")
    n = min(len(xa), len(xb))
    if n < 10:
        raise ValueError(f"each sample needs at least 10 rows, got n = {n}")
    xa = xa[torch.randperm(len(xa), generator=gen)[:n]]
    xb = xb[torch.randperm(len(xb), generator=gen)[:n]]
    x = torch.cat([xa, xb])
    y = torch.cat([torch.zeros(n), torch.ones(n)])
    order = torch.randperm(2 * n, generator=gen)
    x, y = x[order], y[order]
    n_test = int(test_fraction * 2 * n)
    x_train, y_train, x_test, y_test = x[n_test:], y[n_test:], x[:n_test], y[:n_test]
    mu, sd = x_train.mean(0), x_train.std(0).clamp_min(1e-12)
    x_train, x_test = (x_train - mu) / sd, (x_test - mu) / sd

    # Seeded initialisation without touching the caller's global torch RNG.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = torch.nn.Sequential(
            torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1)
        )
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for _ in range(epochs):
        perm = torch.randperm(len(x_train), generator=gen)
        for start in range(0, len(perm), batch_size):
            idx = perm[start : start + batch_size]
            opt.zero_grad()
            loss = loss_fn(net(x_train[idx]).squeeze(-1), y_train[idx])
            loss.backward()
            opt.step()
    with torch.no_grad():
        pred = net(x_test).squeeze(-1) > 0
    return float((pred == y_test.bool()).float().mean())

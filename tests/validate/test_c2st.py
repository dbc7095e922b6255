import math

import numpy as np
import pytest
import torch

from crelike.validate import classifier_two_sample_test

N = 2000
N_TEST = int(0.3 * 2 * N)
SIGMA = math.sqrt(0.25 / N_TEST)  # binomial error of a held-out accuracy near 0.5


def normal(seed: int, shift: float = 0.0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((N, 3)) + shift


def test_identical_distributions_are_indistinguishable():
    acc = classifier_two_sample_test(normal(1), normal(2), epochs=20, seed=0)
    assert abs(acc - 0.5) < 4 * SIGMA


def test_separated_distributions_reach_the_bayes_accuracy():
    # Unit shift in 3 dimensions: the optimal classifier has accuracy Φ(√3 / 2) = 0.807.
    bayes = 0.5 * (1 + math.erf(math.sqrt(3) / 2 / math.sqrt(2)))
    acc = classifier_two_sample_test(normal(3), normal(4, shift=1.0), epochs=20, seed=0)
    assert abs(acc - bayes) < 4 * math.sqrt(bayes * (1 - bayes) / N_TEST) + 0.01


def test_same_seed_same_answer_and_the_global_rng_untouched():
    a, b = normal(5), normal(6, shift=0.3)
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    acc1 = classifier_two_sample_test(a, b, epochs=5, seed=7)
    assert torch.rand(1) == expected_next
    assert classifier_two_sample_test(a, b, epochs=5, seed=7) == acc1


@pytest.mark.parametrize(
    ("a", "b", "match"),
    [
        (np.zeros((50, 3)), np.zeros((50, 4)), "equal D"),
        (np.zeros((5, 3)), np.zeros((50, 3)), "at least 10"),
        (np.full((50, 3), np.nan), np.zeros((50, 3)), "finite"),
    ],
)
def test_bad_input_is_refused(a, b, match):
    with pytest.raises(ValueError, match=match):
        classifier_two_sample_test(a, b)

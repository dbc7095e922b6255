"""Two-sample statistics used to validate simulators and emulators against each other."""

from crelike.validate.c2st import classifier_two_sample_test
from crelike.validate.compare import SampleComparison, compare_samples

__all__ = ["SampleComparison", "classifier_two_sample_test", "compare_samples"]

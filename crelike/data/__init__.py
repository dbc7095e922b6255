"""Data on disk: ensembles of simulated spectra (and, later, measured spectra)."""

from crelike.data.ensembles import (
    EnsembleDataset,
    EnsembleFile,
    EnsembleFormatError,
    EnsembleHeader,
    read_ensemble,
    read_header,
    write_ensemble,
)

__all__ = [
    "EnsembleDataset",
    "EnsembleFile",
    "EnsembleFormatError",
    "EnsembleHeader",
    "read_ensemble",
    "read_header",
    "write_ensemble",
]

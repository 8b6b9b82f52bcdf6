"""Errors of model development: each says what was wrong with the data or files and what to do.

Every error is an `InvalidInput` (bad data or options) or a `ModelArtefactInvalid` (a saved model
that must not be used), so the CLI maps them to exit status 2 and the API to a client error.
"""

from __future__ import annotations

from puhui.core.errors import InvalidInput, PuhuiError


class DataFileNotFound(InvalidInput):
    """The CSV file named does not exist."""

    code = "data_file_not_found"


class DataFileUnreadable(InvalidInput):
    """The file exists but is not a CSV table we can read (empty, binary, malformed)."""

    code = "data_file_unreadable"


class TargetColumnMissing(InvalidInput):
    """The target column is not among the file's columns."""

    code = "target_column_missing"


class TargetNotBinary(InvalidInput):
    """The target column has fewer or more than two distinct values."""

    code = "target_not_binary"


class PositiveClassUnclear(InvalidInput):
    """Two target values, but neither is recognisably the bad one: `--positive` must say."""

    code = "positive_class_unclear"


class PositiveClassAbsent(InvalidInput):
    """The value given as the bad class does not occur in the target column."""

    code = "positive_class_absent"


class TooFewRowsPerClass(InvalidInput):
    """One class has too few rows to train or validate a model on."""

    code = "too_few_rows_per_class"


class NoUsableFeatures(InvalidInput):
    """After dropping identifiers, constants and weak columns, nothing is left to model."""

    code = "no_usable_features"


class TimeColumnInvalid(InvalidInput):
    """The column named for an out-of-time split is missing or does not hold dates/numbers."""

    code = "time_column_invalid"


class FeatureColumnsMissing(InvalidInput):
    """A data set to score lacks columns the model was trained on."""

    code = "feature_columns_missing"


class InvalidModelOption(InvalidInput):
    """An option of a model or of training is out of its valid range."""

    code = "invalid_model_option"


class ModelArtefactInvalid(PuhuiError):
    """A saved model's files are missing, malformed or do not match their manifest.

    Such a model is refused whole at load: it is never half used.
    """

    code = "model_artefact_invalid"

"""Small statistics for results repeated over seeds and measured on a finite test set.

A comparison in the notebooks rests on several seeds and on a test set of a few hundred
images, so two kinds of uncertainty are reported side by side: the spread over seeds
(`sample_std`, `mean_interval` of paired differences) and the sampling error of one
accuracy on n images (`binomial_se`).
Introduced in notebooks/08_multi_input_output_data.ipynb.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

from utils.checks import count


def _values(values: object, axis: int | None, name: str) -> np.ndarray:
    """`values` as a float array with at least two entries along `axis` (all if None)."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numbers, got {type(values).__name__}") from exc
    if array.ndim == 0:
        raise ValueError(f"{name} must be a sequence of values, got the single number {values!r}")
    count = array.size if axis is None else array.shape[axis]
    if count < 2:
        raise ValueError(
            f"{name} needs at least two values (seeds) to have a spread, got {count}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} holds a NaN or an infinity: {array}")
    return array


def sample_std(values: object, axis: int = 0) -> np.ndarray | float:
    """The sample standard deviation of `values` along `axis`: NumPy's std with
    `ddof=1`, dividing by (number of values - 1). One value has no spread, so fewer than
    two along `axis` is a `ValueError`, not 0. Returns a float for 1-D input.
    Introduced in notebooks/08_multi_input_output_data.ipynb."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an int, got {axis!r}")
    array = _values(values, None, "values")
    if not -array.ndim <= axis < array.ndim:
        raise ValueError(f"axis {axis} is out of range for values of shape {array.shape}")
    if array.shape[axis] < 2:
        raise ValueError(
            f"values needs at least two entries along axis {axis} to have a spread, "
            f"got shape {array.shape}"
        )
    std = array.std(axis=axis, ddof=1)
    return float(std) if array.ndim == 1 else std


def mean_interval(values: object, level: float = 0.95) -> tuple[float, float, float]:
    """The mean of 1-D `values` and a Student-t confidence interval for it at `level`:
    (mean, low, high). Used on paired differences (method A minus method B, seed by
    seed), where the interval excluding 0 says the difference holds beyond the spread of
    the seeds. Needs at least two values. Introduced in notebooks/09_finetuning.ipynb."""
    if isinstance(level, bool) or not isinstance(level, Real) or not 0 < level < 1:
        raise ValueError(f"level must be a number between 0 and 1, got {level!r}")
    array = _values(values, None, "values")
    if array.ndim != 1:
        raise ValueError(f"values must be 1-D (one number per seed), got shape {array.shape}")
    from scipy.stats import t  # SciPy is installed with scikit-learn; imported when needed

    mean = float(array.mean())
    half = float(t.ppf(0.5 + level / 2, df=array.size - 1)) * sample_std(array) / math.sqrt(
        array.size
    )
    return mean, mean - half, mean + half


def binomial_se(accuracy: float, n: int) -> float:
    """The standard error of an accuracy measured on `n` independent test images,
    sqrt(p (1 - p) / n): how much the score of one network moves with the particular
    test images drawn (about 0.01 for p = 0.95 and n = 450).
    Introduced in notebooks/07_whole_cnn.ipynb."""
    if isinstance(accuracy, bool) or not isinstance(accuracy, Real) or not 0 <= accuracy <= 1:
        raise ValueError(f"accuracy must be a number between 0 and 1, got {accuracy!r}")
    return math.sqrt(accuracy * (1 - accuracy) / count(n, "n (the number of test images)"))

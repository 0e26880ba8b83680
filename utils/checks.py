"""Input checks shared by every helper of the package: one meaning per check.

The helpers take `mxnet.nd.NDArray` inputs in float32, the API of the source
article. NumPy arrays are converted; anything else is a `TypeError`. Sizes are
an int or an (h, w) pair. Problems are reported as `ValueError`s that name the
shapes, before MXNet can fail deep inside its C++ core.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # MXNet is imported where an array is checked, so that `count` and
    from mxnet import nd  # `pair` serve modules that must load without it (utils.dist)

Pair = int | tuple[int, int]


def as_nd(x: object, name: str = "X") -> nd.NDArray:
    """Return `x` as a float32 NDArray.

    NDArrays of another dtype are cast (which keeps them on the autograd tape);
    NumPy arrays of integers or floats are copied into a new NDArray. Anything
    else (lists, complex, boolean or object arrays, ...) is a `TypeError`.
    Introduced in notebooks/01_cross_correlation.ipynb.
    """
    from mxnet import nd

    if isinstance(x, nd.NDArray):
        return x if x.dtype == np.float32 else x.astype("float32")
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "iuf":
            raise TypeError(f"{name} must hold real numbers, got a numpy array of dtype {x.dtype}")
        return nd.array(x, dtype="float32")
    raise TypeError(
        f"{name} must be an mxnet.nd.NDArray or a numpy.ndarray, got {type(x).__name__}"
    )


def check_ndim(x: nd.NDArray, ndims: int | Sequence[int], name: str, what: str) -> None:
    """Raise `ValueError` unless `x` has one of the allowed numbers of dimensions
    and no axis of length zero. `what` describes the expected layout, e.g. "(h, w)"."""
    allowed = (ndims,) if isinstance(ndims, int) else tuple(ndims)
    if x.ndim not in allowed:
        raise ValueError(f"{name} must have shape {what}, got shape {x.shape}")
    if 0 in x.shape:
        raise ValueError(f"{name} is empty: shape {x.shape}")


def pair(value: object, name: str, minimum: int) -> tuple[int, int]:
    """Turn an int or an (h, w) pair into a tuple of two ints, each >= `minimum`."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = (int(value), int(value))
    elif (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        out = (int(value[0]), int(value[1]))
    else:
        raise ValueError(f"{name} must be an int or an (h, w) pair of ints, got {value!r}")
    if min(out) < minimum:
        raise ValueError(f"{name} must be >= {minimum} in each direction, got {value!r}")
    return out


def count(value: object, name: str, minimum: int = 1) -> int:
    """Return `value` as an int if it is a whole number >= `minimum`; a Python int or a
    NumPy integer is accepted, a bool is not (True is not a count). Anything else is a
    `TypeError`, a number below `minimum` a `ValueError`; both name `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)

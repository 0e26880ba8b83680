"""Two statistics of learned kernels: how close each 3x3 kernel is to the Prewitt pair,
and how much each kernel still points where it started.

Both work on the last two axes of an array of kernels, so the first-layer weight of a
convolution, (channels out, 1, 3, 3), or many networks' kernels stacked, (networks, 8, 3,
3), are measured in one call; the result has the leading axes. Kernels may be NumPy
arrays or MXNet NDArrays. A kernel of all zeros has no direction, and is a `ValueError`.
Introduced in notebooks/07_whole_cnn.ipynb.
"""

from __future__ import annotations

import numpy as np
from mxnet import nd

# The Prewitt pair: the right column minus the left one, and its transpose.
PREWITT_X = np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], dtype=np.float32)
PREWITT_Y = PREWITT_X.T.copy()


def _kernels(K: object, name: str, side: int | None = None) -> np.ndarray:
    """`K` as a float64 array of square kernels on its last two axes, none all zero."""
    if isinstance(K, nd.NDArray):
        K = K.asnumpy()
    if not isinstance(K, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray or mxnet.nd.NDArray, "
                        f"got {type(K).__name__}")
    if K.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {K.dtype}")
    if K.ndim < 2 or K.shape[-1] != K.shape[-2] or (side is not None and K.shape[-1] != side):
        want = f"({side}, {side})" if side is not None else "(k, k)"
        raise ValueError(f"{name} must end with square kernels of shape {want}, "
                         f"got shape {K.shape}")
    if K.size == 0:
        raise ValueError(f"{name} is empty: shape {K.shape}")
    K = K.astype(np.float64)
    if not np.isfinite(K).all():
        raise ValueError(f"{name} holds a NaN or an infinity")
    zero = ~K.any(axis=(-2, -1))
    if zero.any():
        raise ValueError(f"{name} has {int(zero.sum())} kernel(s) of all zeros, for which "
                         f"the statistic is undefined; first at index "
                         f"{tuple(int(i) for i in np.argwhere(zero)[0])}")
    return K


def prewitt_share(K: object) -> np.ndarray:
    """The share of each 3x3 kernel's squared weights that lies in the span of the
    Prewitt pair: (<K, Px>^2 + <K, Py>^2) / (6 <K, K>), where <A, B> sums the products
    of matching entries and Px, Py = `PREWITT_X`, `PREWITT_Y` (perpendicular, each with
    <P, P> = 6). It is the squared length of K's projection onto the mixes a Px + b Py,
    over K's squared length: 1 for any such mix (a Prewitt edge detector at any angle), 0
    for kernels perpendicular to both (a blur, a constant), 2/9 on average for kernels
    whose nine weights are drawn independently from one distribution symmetric about 0.
    It measures closeness to this one pair of three-row differences, not edge detection
    in general: notebook 01's [1, -1] in a 3x3 window scores 1/12, and [1, 0, -1] 1/3.
    K has shape (..., 3, 3); returns float64 of shape (...).
    Introduced in notebooks/07_whole_cnn.ipynb.
    """
    K = _kernels(K, "K", side=3)
    a = (K * PREWITT_X).sum(axis=(-2, -1))
    b = (K * PREWITT_Y).sum(axis=(-2, -1))
    return (a**2 + b**2) / (6.0 * (K**2).sum(axis=(-2, -1)))


def kernel_cosine(A: object, B: object) -> np.ndarray:
    """The cosine between matching kernels of `A` and `B`, <A, B> / (|A| |B|) with the
    sums over each kernel's entries: 1 when one kernel is a positive multiple of the other
    (the same pattern, whatever the size), 0 when they are perpendicular, -1 for the
    pattern with its signs flipped. A and B have the same shape (..., k, k); returns
    float64 of shape (...). Introduced in notebooks/07_whole_cnn.ipynb.
    """
    A, B = _kernels(A, "A"), _kernels(B, "B")
    if A.shape != B.shape:
        raise ValueError(f"A and B must have the same shape, got {A.shape} and {B.shape}")
    dot = (A * B).sum(axis=(-2, -1))
    return dot / np.sqrt((A**2).sum(axis=(-2, -1)) * (B**2).sum(axis=(-2, -1)))

"""The 8x8 handwritten digits of scikit-learn as Gluon datasets.

`sklearn.datasets.load_digits` ships its 1,797 images inside the package, so
nothing is downloaded. The split into training and test images is stratified
and seeded, and it is made over all ten classes *before* any subset is taken:
the test images of digit 7 are the same whichever classes or how many training
examples per class a notebook asks for.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from mxnet import gluon, nd

DIGIT_CLASSES = tuple(range(10))


def _check_request(
    classes: Sequence[int] | None, per_class: int | None, test_fraction: float
) -> tuple[int, ...]:
    """Validate a subset request and return the classes as a tuple of ints."""
    if classes is None:
        chosen = DIGIT_CLASSES
    else:
        if isinstance(classes, (int, np.integer)) or not isinstance(classes, Sequence):
            raise ValueError(
                f"classes must be a sequence of digits such as (0, 1, 2), got {classes!r}; "
                f"the dataset has classes {list(DIGIT_CLASSES)}"
            )
        chosen = tuple(classes)
        if not chosen:
            raise ValueError(
                f"classes is empty: asked for classes={classes!r}; "
                f"the dataset has classes {list(DIGIT_CLASSES)}"
            )
        unknown = [
            c
            for c in chosen
            if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or c not in DIGIT_CLASSES
        ]
        if unknown:
            raise ValueError(
                f"unknown classes {unknown} in classes={list(chosen)}; "
                f"the dataset has classes {list(DIGIT_CLASSES)}"
            )
        if len(set(chosen)) != len(chosen):
            raise ValueError(f"classes={list(chosen)} names a class twice")
        chosen = tuple(int(c) for c in chosen)
    if per_class is not None and (
        isinstance(per_class, bool) or not isinstance(per_class, (int, np.integer)) or per_class < 1
    ):
        raise ValueError(f"per_class must be None or an int >= 1, got {per_class!r}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    return chosen


def _select(
    images: np.ndarray,
    labels: np.ndarray,
    classes: tuple[int, ...],
    per_class: int | None,
    relabel: bool,
) -> gluon.data.ArrayDataset:
    """Keep the images of `classes` (the first `per_class` of each) as an ArrayDataset."""
    keep = []
    for c in classes:
        index = np.flatnonzero(labels == c)
        if per_class is not None:
            if per_class > len(index):
                raise ValueError(
                    f"per_class={per_class} but the training split has only {len(index)} "
                    f"images of class {c} (classes={list(classes)})"
                )
            index = index[:per_class]
        keep.append(index)
    index = np.sort(np.concatenate(keep))
    y = labels[index]
    if relabel:
        y = np.searchsorted(np.array(sorted(classes)), y)
    x = nd.array(images[index], dtype="float32")
    return gluon.data.ArrayDataset(x, y.astype(np.int32))


def load_digits_dataset(
    classes: Sequence[int] | None = None,
    per_class: int | None = None,
    test_fraction: float = 0.25,
    seed: int = 0,
    relabel: bool = False,
) -> tuple[gluon.data.ArrayDataset, gluon.data.ArrayDataset]:
    """Return (train, test) Gluon datasets of scikit-learn's 8x8 digits.

    Each item is (image, label): a float32 NDArray of shape (1, 8, 8) scaled to
    [0, 1] (the raw values 0..16 divided by 16) and a NumPy int32 label. The
    split is stratified and depends only on `seed` and `test_fraction`.
    `classes` keeps only those digits (default all ten); `per_class` keeps the
    first `per_class` training images of each kept class (the test split keeps
    all its images of those classes, so subsets are compared on one test set;
    smaller requests are prefixes of larger ones). With `relabel=True` the kept
    classes, sorted, become labels 0..k-1 (digits 5..9 become 0..4), as a new
    output layer expects. An empty or unknown class list, or more examples per
    class than the training split holds, is a `ValueError` naming the request.
    Introduced in notebooks/07_whole_cnn.ipynb.
    """
    # Imported here so that `import utils` does not pay for scikit-learn.
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    chosen = _check_request(classes, per_class, test_fraction)
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    labels = digits.target.astype(np.int32)
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=test_fraction, random_state=seed, stratify=labels
    )
    train = _select(x_train, y_train, chosen, per_class, relabel)
    test = _select(x_test, y_test, chosen, None, relabel)
    return train, test

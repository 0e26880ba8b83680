"""Tests of utils.data.load_digits_dataset (scikit-learn's 8x8 digits as Gluon datasets)."""

import numpy as np
import pytest
from mxnet import gluon, nd

from utils.data import load_digits_dataset


def _arrays(ds):
    images = np.stack([ds[i][0].asnumpy() for i in range(len(ds))])
    labels = np.array([ds[i][1] for i in range(len(ds))])
    return images, labels


def test_shapes_dtypes_and_range():
    train, test = load_digits_dataset()
    assert isinstance(train, gluon.data.ArrayDataset)
    assert len(train) + len(test) == 1797
    image, label = train[0]
    assert isinstance(image, nd.NDArray)
    assert image.shape == (1, 8, 8) and image.dtype == np.float32
    assert isinstance(label, np.int32)
    images, labels = _arrays(train)
    assert images.min() == 0.0 and images.max() == 1.0
    assert set(labels.tolist()) == set(range(10))


def test_split_is_stratified_and_deterministic():
    train_a, test_a = load_digits_dataset(seed=3)
    train_b, test_b = load_digits_dataset(seed=3)
    for a, b in ((train_a, train_b), (test_a, test_b)):
        xa, ya = _arrays(a)
        xb, yb = _arrays(b)
        assert np.array_equal(xa, xb) and np.array_equal(ya, yb)
    _, test_c = load_digits_dataset(seed=4)
    assert not np.array_equal(_arrays(test_a)[0], _arrays(test_c)[0])
    test_counts = np.bincount(_arrays(test_a)[1])
    all_counts = test_counts + np.bincount(_arrays(train_a)[1])
    # stratified: a quarter of the images of each digit
    assert np.all(np.abs(test_counts - 0.25 * all_counts) <= 1)
    train_d, test_d = load_digits_dataset(test_fraction=0.5)
    assert abs(len(test_d) - 1797 / 2) <= 1


def test_subset_classes_per_class_and_relabel():
    train, test = load_digits_dataset(classes=(5, 7, 9), per_class=4)
    _, labels = _arrays(train)
    assert sorted(labels.tolist()) == [5] * 4 + [7] * 4 + [9] * 4
    assert set(_arrays(test)[1].tolist()) == {5, 7, 9}
    train_r, test_r = load_digits_dataset(classes=(9, 5, 7), per_class=4, relabel=True)
    assert np.array_equal(_arrays(train_r)[0], _arrays(train)[0])
    mapping = {5: 0, 7: 1, 9: 2}
    assert _arrays(train_r)[1].tolist() == [mapping[y] for y in labels.tolist()]
    assert _arrays(test_r)[1].dtype == np.int32


def test_test_set_does_not_depend_on_the_subset():
    _, test_all = load_digits_dataset()
    _, test_few = load_digits_dataset(classes=(5, 6, 7, 8, 9), per_class=2)
    x_all, y_all = _arrays(test_all)
    x_few, _ = _arrays(test_few)
    assert np.array_equal(x_few, x_all[y_all >= 5])


def test_smaller_requests_are_prefixes_of_larger_ones():
    small, _ = load_digits_dataset(classes=(3,), per_class=3)
    large, _ = load_digits_dataset(classes=(3,), per_class=10)
    assert np.array_equal(_arrays(small)[0], _arrays(large)[0][:3])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"classes": (3, 10)}, r"unknown classes \[10\].*has classes \[0, 1"),
        ({"classes": (-1,)}, r"unknown classes \[-1\]"),
        ({"classes": ("a",)}, r"unknown classes \['a'\]"),
        ({"classes": ()}, r"classes is empty"),
        ({"classes": 3}, r"sequence of digits.*got 3"),
        ({"classes": (2, 2)}, r"names a class twice"),
        ({"classes": (0,), "per_class": 500}, r"per_class=500 .* only \d+ images of class 0"),
        ({"per_class": 0}, r"per_class must be None or an int >= 1, got 0"),
        ({"per_class": 2.5}, r"per_class must be None or an int >= 1"),
        ({"test_fraction": 1.0}, r"test_fraction must be between 0 and 1"),
    ],
)
def test_bad_requests(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_digits_dataset(**kwargs)

"""The digits CNN shared by notebooks 07-09 (utils/models.py)."""

from __future__ import annotations

import numpy as np
import pytest
from mxnet import init, nd

from utils.models import DigitCNN, digit_features
from utils.shapes import output_shape


def test_layer_shapes_follow_the_shape_formula():
    net = DigitCNN(10, prefix="net_")
    net.initialize(init.Xavier())
    x = nd.random.uniform(shape=(3, 1, 8, 8))
    size = (8, 8)
    for i, layer in enumerate(net.features):
        x = layer(x)
        if i in (0, 2):  # 3x3 convolutions, padding 1
            size = output_shape(size, 3, padding=1)
        elif i in (1, 3):  # 2x2 max pooling, stride 2
            size = output_shape(size, 2, stride=2)
        if i < 4:
            assert x.shape[2:] == size, (i, x.shape)
    assert x.shape == (3, 32)
    assert net.output(x).shape == (3, 10)


def test_parameter_names_do_not_depend_on_what_was_built_before():
    DigitCNN(5, prefix="other_")
    net = DigitCNN(5, prefix="net_")
    assert list(net.collect_params().keys()) == [
        f"net_{name}" for name in (
            "features_conv1_weight", "features_conv1_bias", "features_conv2_weight",
            "features_conv2_bias", "features_fc_weight", "features_fc_bias",
            "output_weight", "output_bias")
    ]
    assert [i for i, layer in enumerate(digit_features()) if layer.params.keys()] == [0, 2, 5]


def test_features_then_output_is_the_network():
    net = DigitCNN(4, prefix="net_")
    net.initialize(init.Xavier())
    net.hybridize()
    x = nd.random.uniform(shape=(2, 1, 8, 8))
    np.testing.assert_array_equal(net(x).asnumpy(), net.output(net.features(x)).asnumpy())


@pytest.mark.parametrize(
    "bad, error", [(0, ValueError), (-1, ValueError), (2.0, TypeError), (True, TypeError),
                   ("10", TypeError)],
)
def test_bad_class_counts(bad, error):
    with pytest.raises(error, match="num_classes must be an int >= 1"):
        DigitCNN(bad)

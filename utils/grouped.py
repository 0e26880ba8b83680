"""Many small networks trained side by side as one: grouped convolutions and
batched matrix products.

A comparison over seeds, label budgets and learning rates trains hundreds of
copies of notebook 07's `DigitCNN`. Trained one after the other, each copy
pays Python's and MXNet's fixed cost per step; stacked into one block, all
copies take a step together. Copy g reads only its own input channel and owns
its own slice of every weight, so it computes exactly what a `DigitCNN` with
those weights computes, and (with a loss that is a sum over copies) receives
exactly the gradient that network would.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from mxnet import nd
from mxnet.gluon import nn
from mxnet.gluon.parameter import DeferredInitializationError

from utils.models import DigitCNN


def _check_count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")


class ManyDense(nn.HybridBlock):
    """`copies` dense layers side by side: (copies, batch, in_units) -> (copies, batch, units).

    Copy g computes x_g W_g^T + b_g with its own weight W_g (units, in_units) and
    bias b_g, like `nn.Dense(units, in_units=in_units)`, as one batched matrix
    product (`batch_dot`). Parameters: `weight` (copies, units, in_units) and
    `bias` (copies, 1, units). `copies`, `units` and `in_units` must be ints >= 1.
    Introduced in notebooks/09_finetuning.ipynb.
    """

    def __init__(self, copies: int, units: int, in_units: int, **kwargs) -> None:
        for name, value in (("copies", copies), ("units", units), ("in_units", in_units)):
            _check_count(name, value)
        super().__init__(**kwargs)
        self.copies = int(copies)
        with self.name_scope():
            self.weight = self.params.get("weight", shape=(copies, units, in_units))
            self.bias = self.params.get("bias", shape=(copies, 1, units))

    def hybrid_forward(self, F, x, weight, bias):  # noqa: N803 - Gluon's name for the namespace
        return F.broadcast_add(F.batch_dot(x, weight, transpose_b=True), bias)


class ManyFeatures(nn.HybridBlock):
    """`copies` copies of `digit_features()` side by side:
    (batch, copies, 8, 8) -> (copies, batch, 32).

    Channel g of the input is the image copy g sees. Both convolutions use
    `groups=copies`: copy g's 8 (then 16) output channels read only its own
    input channel(s) with its own kernels. After 2x2 max pooling twice, each
    copy's 16 x 2 x 2 values go through its own dense layer (`fc`, a
    `ManyDense` 64 -> 32) and ReLU. `copies` must be an int >= 1.
    Introduced in notebooks/09_finetuning.ipynb.
    """

    def __init__(self, copies: int, **kwargs) -> None:
        _check_count("copies", copies)
        super().__init__(**kwargs)
        self.copies = int(copies)
        with self.name_scope():
            self.conv1 = nn.Conv2D(8 * copies, 3, padding=1, groups=copies, in_channels=copies,
                                   activation="relu", prefix="conv1_")
            self.conv2 = nn.Conv2D(16 * copies, 3, padding=1, groups=copies,
                                   in_channels=8 * copies, activation="relu", prefix="conv2_")
            self.fc = ManyDense(copies, 32, 64, prefix="fc_")

    def hybrid_forward(self, F, x):  # noqa: N803 - Gluon's name for the operator namespace
        h = F.Pooling(self.conv1(x), kernel=(2, 2), stride=(2, 2), pool_type="max")
        h = F.Pooling(self.conv2(h), kernel=(2, 2), stride=(2, 2), pool_type="max")
        # (batch, copies * 16, 2, 2) -> (copies, batch, 64): each copy's flattened maps
        h = h.reshape((0, self.copies, -1)).transpose((1, 0, 2))
        return F.relu(self.fc(h))


class ManyCNNs(nn.HybridBlock):
    """`copies` copies of `DigitCNN(num_classes)` side by side:
    (batch, copies, 8, 8) -> (copies, batch, num_classes).

    Like `DigitCNN`, it has two parts: `features` (a `ManyFeatures`) and
    `output` (a `ManyDense` 32 -> num_classes), so "every copy's body" is
    `many.features.collect_params()`. `stack_digit_cnns` fills it from ordinary
    networks. `copies` and `num_classes` must be ints >= 1.
    Introduced in notebooks/09_finetuning.ipynb.
    """

    def __init__(self, copies: int, num_classes: int, **kwargs) -> None:
        _check_count("copies", copies)
        _check_count("num_classes", num_classes)
        super().__init__(**kwargs)
        self.copies = int(copies)
        with self.name_scope():
            self.features = ManyFeatures(copies, prefix="features_")
            self.output = ManyDense(copies, num_classes, 32, prefix="output_")

    def hybrid_forward(self, F, x):  # noqa: N803 - Gluon's name for the operator namespace
        return self.output(self.features(x))


def _check_nets(nets: Sequence[object]) -> list[DigitCNN]:
    nets = list(nets)
    if not nets:
        raise ValueError("nets is empty: give at least one DigitCNN to stack")
    wrong = [type(n).__name__ for n in nets if not isinstance(n, DigitCNN)]
    if wrong:
        raise TypeError(f"nets must all be DigitCNN, got {wrong}")
    classes = {n.output.weight.shape[0] for n in nets}
    if len(classes) != 1:
        raise ValueError(f"nets have different numbers of classes: {sorted(classes)}")
    for i, net in enumerate(nets):
        for name, param in net.collect_params().items():
            try:
                param.data()
            except (DeferredInitializationError, RuntimeError):
                raise ValueError(
                    f"nets[{i}] has no values for {name} (shape {param.shape}): initialize it "
                    "and run it once on a batch of shape (n, 1, 8, 8) first"
                ) from None
    return nets


def stack_dense(layers: Sequence[nn.Dense], prefix: str = "many_") -> ManyDense:
    """A `ManyDense` whose copy g holds the weight and bias of `layers[g]`, a
    list of initialised `nn.Dense` layers of one shape (units, in_units).
    An empty list, another block type or layers of different shapes are
    ValueErrors or TypeErrors naming them. Introduced in
    notebooks/09_finetuning.ipynb.
    """
    layers = list(layers)
    if not layers:
        raise ValueError("layers is empty: give at least one nn.Dense to stack")
    wrong = [type(layer).__name__ for layer in layers if not isinstance(layer, nn.Dense)]
    if wrong:
        raise TypeError(f"layers must all be nn.Dense, got {wrong}")
    shapes = {layer.weight.shape for layer in layers}
    if len(shapes) != 1 or any(0 in shape for shape in shapes):
        raise ValueError(f"layers must be initialised and of one shape, got {sorted(shapes)}")
    units, in_units = layers[0].weight.shape
    many = ManyDense(len(layers), units, in_units, prefix=prefix)
    many.initialize()
    many.weight.set_data(nd.stack(*[layer.weight.data() for layer in layers]))
    many.bias.set_data(nd.stack(*[layer.bias.data().reshape((1, -1)) for layer in layers]))
    return many


def stack_digit_cnns(nets: Sequence[DigitCNN], prefix: str = "many_") -> ManyCNNs:
    """A `ManyCNNs` whose copy g holds the weights of `nets[g]`.

    `nets` is a non-empty list of initialised `DigitCNN`s with the same number
    of classes (run each once on a batch so that its dense layers have their
    shapes). The same network may appear several times. Anything else is a
    ValueError or TypeError saying what is wrong. Introduced in
    notebooks/09_finetuning.ipynb.
    """
    nets = _check_nets(nets)
    many = ManyCNNs(len(nets), nets[0].output.weight.shape[0], prefix=prefix)
    many.initialize()
    for conv, i in ((many.features.conv1, 0), (many.features.conv2, 2)):
        conv.weight.set_data(nd.concat(*[n.features[i].weight.data() for n in nets], dim=0))
        conv.bias.set_data(nd.concat(*[n.features[i].bias.data() for n in nets], dim=0))
    fc_layers, output_layers = [n.features[5] for n in nets], [n.output for n in nets]
    for dense, layers in ((many.features.fc, fc_layers), (many.output, output_layers)):
        dense.weight.set_data(nd.stack(*[layer.weight.data() for layer in layers]))
        dense.bias.set_data(nd.stack(*[layer.bias.data().reshape((1, -1)) for layer in layers]))
    return many


def copy_weights(many: nn.HybridBlock) -> list[np.ndarray]:
    """Every parameter of a `ManyCNNs` or `ManyDense` as a NumPy array of shape
    (copies, values per copy), in `collect_params()` order: row g is copy g's
    share. Copies of arrays, so later training does not change them.
    Introduced in notebooks/09_finetuning.ipynb.
    """
    if not isinstance(many, (ManyCNNs, ManyDense)):
        raise TypeError(f"many must be a ManyCNNs or ManyDense, got {type(many).__name__}")
    return [p.data().asnumpy().reshape((many.copies, -1)).copy()
            for p in many.collect_params().values()]


def load_copy_weights(many: nn.HybridBlock, weights: Sequence[np.ndarray]) -> None:
    """Set every parameter of `many` from arrays shaped as `copy_weights`
    returns them: (copies, values per copy), one per parameter in
    `collect_params()` order. A wrong count or shape is a ValueError naming the
    parameter and both shapes. Introduced in notebooks/09_finetuning.ipynb.
    """
    if not isinstance(many, (ManyCNNs, ManyDense)):
        raise TypeError(f"many must be a ManyCNNs or ManyDense, got {type(many).__name__}")
    params = list(many.collect_params().values())
    if len(weights) != len(params):
        raise ValueError(f"got {len(weights)} arrays for {len(params)} parameters")
    for param, value in zip(params, weights, strict=True):
        value = np.asarray(value, dtype=np.float32)
        expected = (many.copies, int(np.prod(param.shape)) // many.copies)
        if value.shape != expected:
            raise ValueError(f"{param.name}: expected an array of shape {expected}, "
                             f"got {value.shape}")
        param.set_data(nd.array(value.reshape(param.shape)))

"""Many small networks trained side by side as one: grouped convolutions and
batched matrix products.

A comparison over seeds, label budgets, methods and learning rates trains
hundreds of copies of notebook 07's `DigitCNN`. Trained one after the other,
each copy pays Python's and MXNet's fixed cost per step; stacked into one
block, all copies take a step together. Copy g reads only its own images and
owns its own slice of every weight, so it computes exactly what a `DigitCNN`
with those weights computes. With a loss that is a sum over copies weighted by
each copy's learning rate, and the gradient into the copy's body multiplied by
its own factor, one SGD step (with or without momentum, no weight decay) of the whole
block moves every copy exactly as its own network would move.
Introduced in notebooks/09_finetuning.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon, init, nd
from mxnet.gluon import nn
from mxnet.gluon.parameter import DeferredInitializationError

from utils.checks import count
from utils.models import DigitCNN

#: The four ways notebook 09 trains a network for the new task (see `start_network`).
METHODS = ("from scratch", "frozen", "frozen convolutions", "fine-tuned")


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
            count(value, name)
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
        count(copies, "copies")
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
    `output` (a `ManyDense` 32 -> num_classes); its body, the part a method may
    freeze or slow down, is `features`. `stack_digit_cnns` fills it from
    ordinary networks. `copies` and `num_classes` must be ints >= 1.
    Introduced in notebooks/09_finetuning.ipynb.
    """

    _features = ManyFeatures

    def __init__(self, copies: int, num_classes: int, **kwargs) -> None:
        count(copies, "copies")
        count(num_classes, "num_classes")
        super().__init__(**kwargs)
        self.copies = int(copies)
        with self.name_scope():
            self.features = self._features(copies, prefix="features_")
            self.output = ManyDense(copies, num_classes, 32, prefix="output_")

    def gather(self, inputs: nd.NDArray, index: nd.NDArray) -> nd.NDArray:
        """The block's input from images (n, 8, 8) and indices (copies, batch):
        (batch, copies, 8, 8), copy g's images in channel g."""
        return nd.take(inputs, index.T)

    def hybrid_forward(self, F, x):  # noqa: N803 - Gluon's name for the operator namespace
        return self.output(self.features(x))


class _DenseFeatures(nn.HybridBlock):
    """The fc layer of `copies` DigitCNNs with its ReLU:
    (copies, batch, 64) -> (copies, batch, 32)."""

    def __init__(self, copies: int, **kwargs) -> None:
        super().__init__(**kwargs)
        with self.name_scope():
            self.fc = ManyDense(copies, 32, 64, prefix="fc_")

    def hybrid_forward(self, F, x):  # noqa: N803 - Gluon's name for the operator namespace
        return F.relu(self.fc(x))


class ManyDenseLayers(ManyCNNs):
    """The two dense layers of `copies` `DigitCNN`s side by side, on their
    convolutions' flattened output: (copies, batch, 64) -> (copies, batch, num_classes).

    `features.fc` (a `ManyDense` 64 -> 32, then ReLU) is the last layer of each
    copy's `features`; `output` (a `ManyDense` 32 -> num_classes) is its output
    layer. With the convolutions frozen, their output for an image never
    changes, so it is computed once and only these layers train.
    `stack_dense_layers` fills it from ordinary networks. `copies` and
    `num_classes` must be ints >= 1. Introduced in notebooks/09_finetuning.ipynb.
    """

    _features = _DenseFeatures

    def gather(self, inputs: nd.NDArray, index: nd.NDArray) -> nd.NDArray:
        """The block's input from features (n, 64) and indices (copies, batch):
        (copies, batch, 64)."""
        return nd.take(inputs, index)


Many = ManyCNNs | ManyDenseLayers


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


def _fill_dense(many: ManyDense, layers: Sequence[nn.Dense]) -> None:
    many.weight.set_data(nd.stack(*[layer.weight.data() for layer in layers]))
    many.bias.set_data(nd.stack(*[layer.bias.data().reshape((1, -1)) for layer in layers]))


def stack_digit_cnns(nets: Sequence[DigitCNN], prefix: str = "many_") -> ManyCNNs:
    """A `ManyCNNs` whose copy g holds the weights of `nets[g]`.

    `nets` is a non-empty list of initialised `DigitCNN`s with the same number
    of classes (run each once on a batch so that its dense layers have their
    shapes). The same network may appear several times. Anything else is a
    ValueError or TypeError saying what is wrong. Introduced in
    notebooks/07_whole_cnn.ipynb.
    """
    nets = _check_nets(nets)
    many = ManyCNNs(len(nets), nets[0].output.weight.shape[0], prefix=prefix)
    many.initialize()
    for conv, i in ((many.features.conv1, 0), (many.features.conv2, 2)):
        conv.weight.set_data(nd.concat(*[n.features[i].weight.data() for n in nets], dim=0))
        conv.bias.set_data(nd.concat(*[n.features[i].bias.data() for n in nets], dim=0))
    _fill_dense(many.features.fc, [n.features[5] for n in nets])
    _fill_dense(many.output, [n.output for n in nets])
    return many


def stack_dense_layers(nets: Sequence[DigitCNN], prefix: str = "many_") -> ManyDenseLayers:
    """A `ManyDenseLayers` whose copy g holds the dense layers of `nets[g]`
    (`features[5]`, the fc layer, and `output`), under the same conditions on
    `nets` as `stack_digit_cnns`. Introduced in notebooks/09_finetuning.ipynb.
    """
    nets = _check_nets(nets)
    many = ManyDenseLayers(len(nets), nets[0].output.weight.shape[0], prefix=prefix)
    many.initialize()
    _fill_dense(many.features.fc, [n.features[5] for n in nets])
    _fill_dense(many.output, [n.output for n in nets])
    return many


def _check_many(many: object) -> None:
    if not isinstance(many, (ManyCNNs, ManyDenseLayers, ManyDense)):
        raise TypeError(
            f"many must be a ManyCNNs, ManyDenseLayers or ManyDense, got {type(many).__name__}"
        )


def copy_weights(many: nn.HybridBlock) -> list[np.ndarray]:
    """Every parameter of a `ManyCNNs`, `ManyDenseLayers` or `ManyDense` as a
    NumPy array of shape (copies, values per copy), in `collect_params()` order:
    row g is copy g's share. Copies of arrays, so later training does not change
    them. Introduced in notebooks/09_finetuning.ipynb.
    """
    _check_many(many)
    return [p.data().asnumpy().reshape((many.copies, -1)).copy()
            for p in many.collect_params().values()]


def load_copy_weights(many: nn.HybridBlock, weights: Sequence[np.ndarray]) -> None:
    """Set every parameter of `many` from arrays shaped as `copy_weights`
    returns them: (copies, values per copy), one per parameter in
    `collect_params()` order. A wrong count or shape is a ValueError naming the
    parameter and both shapes. Introduced in notebooks/09_finetuning.ipynb.
    """
    _check_many(many)
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


def _per_copy(name: str, values: object, copies: int, low: float) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.shape != (copies,):
        raise ValueError(f"{name} must hold one number per copy, shape ({copies},); "
                         f"got shape {array.shape}")
    if not np.all(np.isfinite(array)) or (array < low).any():
        raise ValueError(f"{name} must be finite and >= {low}, got {array}")
    return array


def predict_side_by_side(many: Many, inputs: nd.NDArray, index: np.ndarray) -> np.ndarray:
    """The class each copy of `many` predicts for its own images: `index`
    (copies, m) holds copy g's m indices into `inputs` (images (n, 8, 8) for a
    `ManyCNNs`, features (n, 64) for a `ManyDenseLayers`); returns an int array
    (copies, m). Introduced in notebooks/09_finetuning.ipynb.
    """
    if not isinstance(many, (ManyCNNs, ManyDenseLayers)):
        raise TypeError(f"many must be a ManyCNNs or ManyDenseLayers, got {type(many).__name__}")
    index = np.asarray(index)
    if index.ndim != 2 or index.shape[0] != many.copies:
        raise ValueError(f"index must have shape (copies, m) = ({many.copies}, m), "
                         f"got {index.shape}")
    scores = many(many.gather(inputs, nd.array(index)))
    return scores.argmax(axis=2).asnumpy().astype(np.int64)


class _Objective(nn.HybridBlock):
    """The loss `train_side_by_side` differentiates, as one hybridized graph:
    sum over copies g of rate[g] * (copy g's mean softmax cross-entropy), with
    the gradient that flows from the output layer back into copy g's `features`
    multiplied by body_mult[g]."""

    def __init__(self, many: Many, **kwargs) -> None:
        super().__init__(**kwargs)
        with self.name_scope():
            self.many = many
            self.loss = gluon.loss.SoftmaxCrossEntropyLoss()

    def hybrid_forward(self, F, x, y, rate, body_mult):  # noqa: N803 - Gluon's namespace name
        h = self.many.features(x)  # (copies, batch, 32)
        # The value is h exactly (h - h is 0); the gradient into h is body_mult times the
        # gradient from the output layer, so every body parameter of copy g gets that factor.
        fixed = F.BlockGrad(h)
        h = fixed + F.broadcast_mul(h - fixed, body_mult)
        return (self.loss(self.many.output(h), y) * rate).sum()


def train_side_by_side(
    many: Many,
    inputs: nd.NDArray,
    labels: np.ndarray,
    batches: np.ndarray,
    rates: Sequence[float],
    body_mults: Sequence[float] | None = None,
    momentum: float = 0.0,
    score_inputs: nd.NDArray | None = None,
    score_index: np.ndarray | None = None,
    checkpoints: Sequence[int] = (),
) -> np.ndarray:
    """Train every copy of `many` with SGD at its own learning rate, in place,
    and return the classes it predicts for its scoring images at each checkpoint.

    `batches` (steps, copies, batch) holds, for each step, the indices into
    `inputs`/`labels` of copy g's mini-batch. The loss is the sum over copies of
    rates[g] times copy g's mean softmax cross-entropy, and the trainer's rate is
    1, so copy g moves as `gluon.Trainer(..., "sgd", {"learning_rate": rates[g],
    "momentum": momentum})` would move its own network; the gradient of copy g's
    `features` is also multiplied by body_mults[g] (default 1): 0.1 acts as
    `lr_mult = 0.1` on them, 0 freezes them. After each step t + 1 in
    `checkpoints`, copy g classifies images `score_index[g]` (copies, m) of
    `score_inputs` (default `inputs`); the result is an int array
    (len(checkpoints), copies, m). Introduced in notebooks/09_finetuning.ipynb.
    """
    if not isinstance(many, (ManyCNNs, ManyDenseLayers)):
        raise TypeError(f"many must be a ManyCNNs or ManyDenseLayers, got {type(many).__name__}")
    copies = many.copies
    batches = np.asarray(batches)
    if batches.ndim != 3 or batches.shape[1] != copies or 0 in batches.shape:
        raise ValueError(f"batches must have shape (steps, copies, batch) with copies = "
                         f"{copies}, got {batches.shape}")
    rates = _per_copy("rates", rates, copies, 0.0)
    mults = _per_copy("body_mults", np.ones(copies) if body_mults is None else body_mults,
                      copies, 0.0)
    if isinstance(momentum, bool) or not isinstance(momentum, Real) or not 0 <= momentum < 1:
        raise ValueError(f"momentum must be a number in [0, 1), got {momentum!r}")
    checkpoints = sorted({int(c) for c in checkpoints})
    if checkpoints and not 1 <= checkpoints[0] <= checkpoints[-1] <= batches.shape[0]:
        raise ValueError(f"checkpoints must lie in 1..{batches.shape[0]} (the steps), "
                         f"got {checkpoints}")
    if checkpoints and score_index is None:
        raise ValueError("checkpoints need score_index: the images each copy is scored on")
    score_inputs = inputs if score_inputs is None else score_inputs

    options = {"learning_rate": 1.0}
    if momentum:
        options["momentum"] = float(momentum)
    trainer = gluon.Trainer(many.collect_params(), "sgd", options)
    objective = _Objective(many)
    objective.hybridize(static_alloc=True, static_shape=True)
    rate_of_copy = nd.array(rates)
    mult_of_copy = nd.array(mults).reshape((copies, 1, 1))
    labels_nd, batches_nd = nd.array(labels), nd.array(batches)
    predictions = []
    for t in range(batches.shape[0]):
        index = batches_nd[t]
        with autograd.record():
            loss = objective(many.gather(inputs, index), nd.take(labels_nd, index),
                             rate_of_copy, mult_of_copy)
        loss.backward()
        trainer.step(1)
        if t + 1 in checkpoints:
            predictions.append(predict_side_by_side(many, score_inputs, score_index))
    nd.waitall()
    return np.array(predictions, dtype=np.int64).reshape(
        (len(checkpoints), copies, np.shape(score_index)[1] if checkpoints else 0))


def start_network(source: DigitCNN, method: str, seed: int) -> DigitCNN:
    """The `DigitCNN` a run of `method` (one of `METHODS`) starts from.

    Its weights are drawn with `mx.random.seed(seed)` and Xavier initialisation,
    so all methods of one seed start with the same new output layer; "from
    scratch" keeps all of them, the other methods replace `features` by a copy of
    `source.features` (a trained `DigitCNN`'s). Introduced in
    notebooks/09_finetuning.ipynb.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    _check_nets([source])
    mx.random.seed(seed)
    net = DigitCNN(source.output.weight.shape[0], prefix="start_")
    net.initialize(init.Xavier())
    net(nd.zeros((1, 1, 8, 8)))  # the first call fixes the dense layers' shapes
    if method != "from scratch":
        for mine, theirs in zip(net.features.collect_params().values(),
                                source.features.collect_params().values(), strict=True):
            mine.set_data(theirs.data())
    return net


def train_runs(
    source: DigitCNN,
    methods: Sequence[str],
    seeds: Sequence[int],
    rates: Sequence[float],
    batches: np.ndarray,
    images: np.ndarray,
    labels: np.ndarray,
    score_images: np.ndarray,
    score_index: np.ndarray,
    checkpoints: Sequence[int],
    momentum: float = 0.0,
    body_lr_mult: float = 0.1,
) -> tuple[np.ndarray, np.ndarray]:
    """Train many runs of notebook 09's comparison side by side; return each
    run's predicted classes for its scoring images at each checkpoint, and
    whether its weights ended finite.

    Run i starts from `start_network(source, methods[i], seeds[i])` and takes
    SGD steps (`momentum`) at learning rate `rates[i]` on the mini-batches
    `batches[i]` (steps, batch) of indices into `images` (n, 8, 8) and `labels`.
    "from scratch" trains every layer; "fine-tuned" trains the body at
    `body_lr_mult` times the rate; "frozen convolutions" keeps both
    convolutions and trains the fc and output layers; "frozen" trains only the
    output layer. Runs whose convolutions train share one `ManyCNNs`; the
    others share one `ManyDenseLayers` fed with the source's convolution
    output, computed once. Returns an int array (len(checkpoints), runs, m),
    run i's classes for `score_images[score_index[i]]`, and a bool array
    (runs,), True where every weight of run i is finite after training (a run
    whose rate is too large diverges to infinities or NaNs).
    Introduced in notebooks/09_finetuning.ipynb.
    """
    methods, seeds = list(methods), [int(s) for s in seeds]
    batches, score_index = np.asarray(batches), np.asarray(score_index)
    runs = len(methods)
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        raise ValueError(f"unknown methods {unknown}; use {METHODS}")
    if not (len(seeds) == len(rates) == batches.shape[0] == score_index.shape[0] == runs):
        raise ValueError(
            f"one entry per run is needed: {runs} methods, {len(seeds)} seeds, {len(rates)} "
            f"rates, batches {batches.shape}, score_index {score_index.shape}"
        )
    mult = {"from scratch": 1.0, "fine-tuned": body_lr_mult, "frozen convolutions": 1.0,
            "frozen": 0.0}
    pool = nd.array(images)
    score = nd.array(score_images)
    predictions = np.zeros((len(checkpoints), runs, score_index.shape[1]), dtype=np.int64)
    finite = np.zeros(runs, dtype=bool)
    for convolutions_train in (True, False):
        ids = [i for i, m in enumerate(methods)
               if (m in ("from scratch", "fine-tuned")) == convolutions_train]
        if not ids:
            continue
        starts: dict[tuple[bool, int], DigitCNN] = {}  # one start per seed (and body kind)
        for i in ids:
            key = (methods[i] == "from scratch", seeds[i])
            if key not in starts:
                starts[key] = start_network(source, methods[i], seeds[i])
        nets = [starts[methods[i] == "from scratch", seeds[i]] for i in ids]
        if convolutions_train:
            many, inputs, score_inputs = stack_digit_cnns(nets, prefix="cnns_"), pool, score
        else:
            convolutions = source.features[:-1]  # everything before the fc layer
            many = stack_dense_layers(nets, prefix="dense_")
            inputs = convolutions(pool.expand_dims(1))
            score_inputs = convolutions(score.expand_dims(1))
        many.hybridize(static_alloc=True)
        predictions[:, ids] = train_side_by_side(
            many, inputs, labels, batches[ids].transpose((1, 0, 2)), [rates[i] for i in ids],
            [mult[methods[i]] for i in ids], momentum, score_inputs, score_index[ids],
            checkpoints)
        finite[ids] = np.all([np.isfinite(w).all(axis=1) for w in copy_weights(many)], axis=0)
    return predictions, finite

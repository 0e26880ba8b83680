"""One training loop and one evaluation function for every notebook that trains.

Batches are tuples: the first `num_inputs` entries go into the network, the
rest are labels. The network may return one output or a tuple of outputs; the
loss function is called as `loss_fn(*outputs, *labels)` and returns one loss
per example. A metric is a function `metric(outputs, labels)` of the two tuples
that returns one value per example (1.0/0.0 for a correct/wrong class, an
absolute error, ...); the reported value is its mean over the examples seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon, nd

Metric = Callable[[tuple, tuple], nd.NDArray]


def accuracy(outputs: tuple, labels: tuple) -> nd.NDArray:
    """Per-example correctness (1.0 or 0.0) of the first output's arg-max
    against the first label: outputs[0] (batch, classes), labels[0] (batch,) or
    (batch, 1); returns (batch,). Scores that are not 2-D, or a number of labels
    that differs from the number of predictions, are a `ValueError` naming the
    shapes. Introduced in notebooks/07_whole_cnn.ipynb."""
    scores, label = outputs[0], labels[0]
    if scores.ndim != 2:
        raise ValueError(
            f"accuracy needs class scores of shape (batch, classes), got shape {scores.shape}"
        )
    if label.size != scores.shape[0]:
        raise ValueError(
            f"accuracy got {scores.shape[0]} predictions (scores of shape {scores.shape}) "
            f"but {label.size} labels (labels of shape {label.shape})"
        )
    predicted = scores.argmax(axis=1)
    return (predicted == label.astype("float32").reshape((-1,))).astype("float32")


def _as_tuple(x: object) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _split(batch: object, num_inputs: int) -> tuple[tuple, tuple]:
    batch = _as_tuple(batch)
    if len(batch) <= num_inputs:
        raise ValueError(
            f"a batch has {len(batch)} entries but num_inputs={num_inputs}: "
            "at least one entry must be left over as a label"
        )
    return batch[:num_inputs], batch[num_inputs:]


class _Means:
    """Running sums of per-example values, turned into means.

    Each batch adds one float32 sum per name and stays an NDArray, so nothing
    waits for MXNet's engine until `means()` reads all the sums at once and adds
    them up in order as Python floats (float64).
    """

    def __init__(self, names: Iterable[str]) -> None:
        self.sums: dict[str, list[nd.NDArray]] = {name: [] for name in names}
        self.count = 0

    def add(self, values: Mapping[str, nd.NDArray], batch_size: int) -> None:
        for name, value in values.items():
            self.sums[name].append(value.sum())
        self.count += batch_size

    def means(self) -> dict[str, float]:
        result = {}
        for name, parts in self.sums.items():
            total = 0.0
            if parts:
                for part in nd.concat(*parts, dim=0).asnumpy():
                    total += float(part)
            result[name] = total / max(self.count, 1)
        return result


def evaluate(
    net: gluon.Block,
    data: Iterable,
    loss_fn: Callable | None = None,
    metrics: Mapping[str, Metric] | None = None,
    num_inputs: int = 1,
) -> dict[str, float]:
    """Mean loss (if `loss_fn` is given) and mean of each metric over `data`.

    `data` yields batches (inputs..., labels...) as a Gluon DataLoader does;
    `metrics` defaults to {"acc": accuracy}. Runs in prediction mode (no
    autograd recording). Returns a dict such as {"loss": 0.31, "acc": 0.92}.
    Introduced in notebooks/07_whole_cnn.ipynb.
    """
    metrics = {"acc": accuracy} if metrics is None else dict(metrics)
    names = (["loss"] if loss_fn is not None else []) + list(metrics)
    means = _Means(names)
    for batch in data:
        inputs, labels = _split(batch, num_inputs)
        outputs = _as_tuple(net(*inputs))
        values = {name: fn(outputs, labels) for name, fn in metrics.items()}
        if loss_fn is not None:
            values["loss"] = loss_fn(*outputs, *labels)
        means.add(values, labels[0].shape[0])
    if means.count == 0:
        raise ValueError("evaluate got no batches: the data is empty")
    return means.means()


def train(
    net: gluon.Block,
    train_data: Iterable,
    loss_fn: Callable,
    trainer: gluon.Trainer | None = None,
    *,
    lr: float = 0.1,
    optimizer: str = "sgd",
    num_epochs: int | None = None,
    max_steps: int | None = None,
    test_data: Iterable | None = None,
    metrics: Mapping[str, Metric] | None = None,
    num_inputs: int = 1,
    seed: int | None = None,
    verbose: bool = False,
    eval_name: str = "test",
    keep_best: bool = False,
    patience: int | None = None,
    min_delta: float = 0.0,
) -> dict[str, list[float]]:
    """Train `net` and return its history: one entry per epoch in each list.

    Without `trainer`, one is made over all of `net.collect_params()` with
    `optimizer` and learning rate `lr`; per-parameter learning rates are set
    with each Parameter's `lr_mult`, or by passing your own trainer. Training
    stops after `num_epochs` epochs or `max_steps` updates, whichever comes
    first (give at least one); an epoch cut short by the step budget counts.
    `seed`, if given, seeds NumPy and MXNet first, so the DataLoader's shuffle
    is the same on every call. The history has "epoch", "step" (updates so
    far), "train_loss" and "train_<metric>" (means over the epoch's batches,
    measured while training) and, with `test_data`, "test_loss" and
    "test_<metric>" from `evaluate`; `eval_name="val"` names those "val_loss",
    "val_<metric>" when the held-out data is a validation split. With
    `keep_best=True` (needs `test_data`) the network ends with the parameters of
    the epoch whose held-out loss was lowest (the first such epoch), early
    stopping's choice; the history still covers every epoch. With `patience=p`
    (an int >= 1, needs `test_data`) training also stops after `p` epochs in a
    row that did not lower the held-out loss below its lowest value so far, so
    `num_epochs` or `max_steps` is only an upper limit; the history ends with
    the epoch that stopped it. `min_delta` (a number >= 0, default 0) is the
    amount by which the held-out loss must fall below its lowest value so far
    for an epoch to count as an improvement, for both `patience` and
    `keep_best`: with `min_delta > 0`, changes smaller than the noise of the
    held-out loss do not reset the patience, and `keep_best` keeps the last
    epoch that improved by more than `min_delta`. With `verbose=True`
    it prints one line of rounded numbers per epoch and nothing else. Metrics
    default to {"acc": accuracy}. Introduced in notebooks/07_whole_cnn.ipynb (several
    inputs and outputs: notebooks/08_multi_input_output_data.ipynb).
    """
    if num_epochs is None and max_steps is None:
        raise ValueError("give num_epochs, max_steps or both: got neither")
    for name, value in (("num_epochs", num_epochs), ("max_steps", max_steps)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    if keep_best and test_data is None:
        raise ValueError("keep_best=True needs test_data: the loss that picks the epoch")
    if patience is not None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be None or an int >= 1, got {patience!r}")
        if test_data is None:
            raise ValueError("patience needs test_data: the loss that must keep improving")
    if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float)) or not (
        0 <= min_delta < float("inf")
    ):
        raise ValueError(f"min_delta must be a number >= 0, got {min_delta!r}")
    if seed is not None:
        np.random.seed(seed)
        mx.random.seed(seed)
    metrics = {"acc": accuracy} if metrics is None else dict(metrics)
    if trainer is None:
        trainer = gluon.Trainer(net.collect_params(), optimizer, {"learning_rate": lr})
    keys = ["epoch", "step", "train_loss"] + [f"train_{m}" for m in metrics]
    if test_data is not None:
        keys += [f"{eval_name}_loss"] + [f"{eval_name}_{m}" for m in metrics]
    history: dict[str, list[float]] = {key: [] for key in keys}
    params = net.collect_params()
    best_loss, best_values = float("inf"), None
    step, epoch, waited = 0, 0, 0
    while (num_epochs is None or epoch < num_epochs) and (max_steps is None or step < max_steps):
        epoch += 1
        means = _Means(["loss", *metrics])
        for batch in train_data:
            inputs, labels = _split(batch, num_inputs)
            with autograd.record():
                outputs = _as_tuple(net(*inputs))
                loss = loss_fn(*outputs, *labels)
            loss.backward()
            batch_size = labels[0].shape[0]
            trainer.step(batch_size)
            step += 1
            values = {name: fn(outputs, labels) for name, fn in metrics.items()}
            means.add({"loss": loss, **values}, batch_size)
            if max_steps is not None and step >= max_steps:
                break
        if means.count == 0:
            raise ValueError("train got no batches: the training data is empty")
        row: dict[str, float] = {"epoch": epoch, "step": step}
        row.update({f"train_{name}": value for name, value in means.means().items()})
        if test_data is not None:
            scores = evaluate(net, test_data, loss_fn, metrics, num_inputs)
            row.update({f"{eval_name}_{name}": value for name, value in scores.items()})
            if scores["loss"] < best_loss - min_delta:
                best_loss, waited = scores["loss"], 0
                if keep_best:
                    best_values = {name: p.data().copy() for name, p in params.items()}
            else:
                waited += 1
        for key in keys:
            history[key].append(row[key])
        if verbose:
            print(
                "  ".join(
                    f"{key} {row[key]}" if key in ("epoch", "step") else f"{key} {row[key]:.4f}"
                    for key in keys
                )
            )
        if patience is not None and waited >= patience:
            break
    if best_values is not None:
        for name, p in params.items():
            p.set_data(best_values[name])
    return history

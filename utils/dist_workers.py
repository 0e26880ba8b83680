"""Worker functions for `utils.dist.run_cluster`, and their one-process reference.

A worker process imports the function it runs by module and name, so the
functions notebook 11 runs in a cluster live here, in a module, not in notebook
cells. `push_pull_sum` is the smallest use of the `dist_sync` kvstore;
`train_digits_worker` trains the digits CNN on this worker's shard of the
training set. `train_digits_accumulated` does in one process what
`num_workers` workers do together (one micro-batch per worker, gradients added
before each step), and `shard_batches` is the batching both use, so the two can
be compared bit for bit.
"""

from __future__ import annotations

import os
import time
from typing import Any

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon, init, nd
from mxnet.gluon import nn

from utils.data import load_digits_dataset

DMLC_VARIABLES = ("DMLC_ROLE", "DMLC_PS_ROOT_URI", "DMLC_NUM_SERVER", "DMLC_NUM_WORKER")


def push_pull_sum(shape: tuple[int, ...] = (2, 3)) -> dict[str, Any]:
    """Each worker pushes an array of `shape` filled with rank + 1 and pulls the sum.

    Joins the cluster with `mx.kv.create("dist_sync")`; rank 0 initialises key 0 with
    zeros, every worker pushes (rank + 1) * ones(shape) and pulls what the server
    stored: with n workers, the sum 1 + 2 + ... + n everywhere. Returns a dict with
    "rank", "num_workers", "pulled" (a NumPy array of `shape`) and "env", the DMLC_*
    variables of its role. Introduced in notebooks/11_training_on_several_machines.ipynb.
    """
    kv = mx.kv.create("dist_sync")
    kv.init(0, nd.zeros(shape))
    kv.push(0, nd.ones(shape) * (kv.rank + 1))
    pulled = nd.zeros(shape)
    kv.pull(0, out=pulled)
    return {
        "rank": kv.rank,
        "num_workers": kv.num_workers,
        "pulled": pulled.asnumpy(),
        "env": {k: os.environ.get(k) for k in DMLC_VARIABLES},
    }


def digits_cnn(seed: int = 0) -> nn.HybridSequential:
    """The small CNN of notebook 11 for (batch, 1, 8, 8) digits -> (batch, 10) scores.

    Conv 3x3 (16 channels, padding 1), ReLU, 2x2 max pooling, conv 3x3 (32), ReLU,
    2x2 max pooling, dense 10; initialised with Xavier after `mx.random.seed(seed)`,
    so every process that calls it with the same seed starts from the same weights.
    Every layer is told its input size, so the weights exist right after `initialize`
    without a forward pass. (A forward pass outside `autograd.record()` leaves the
    convolution weights in oneDNN's blocked layout, and a dist kvstore's first push of
    such a weight fails inside MXNet 1.9.1's engine: the servers never receive that key
    and abort with "init N first" when a worker pulls it.)
    Introduced in notebooks/11_training_on_several_machines.ipynb.
    """
    net = nn.HybridSequential()
    net.add(
        nn.Conv2D(16, kernel_size=3, padding=1, activation="relu", in_channels=1),
        nn.MaxPool2D(2),
        nn.Conv2D(32, kernel_size=3, padding=1, activation="relu", in_channels=16),
        nn.MaxPool2D(2),
        nn.Dense(10, in_units=32 * 2 * 2),
    )
    mx.random.seed(seed)
    net.initialize(init.Xavier())
    return net


def shard_batches(
    num_examples: int, rank: int, num_workers: int, batch_size: int, epoch: int, seed: int = 0
) -> list[np.ndarray]:
    """The index batches worker `rank` of `num_workers` trains on in epoch `epoch`.

    Worker r owns examples r, r + n, r + 2n, ... (n = num_workers), cut to
    num_examples // n so every shard has the same size, shuffled with a generator
    seeded by (seed, epoch, rank), and split into full batches of `batch_size` (a last
    partial batch is dropped: workers that take different numbers of steps wait for
    each other forever). Returns a list of int64 arrays of length `batch_size`.
    Introduced in notebooks/11_training_on_several_machines.ipynb.
    """
    if not 0 <= rank < num_workers:
        raise ValueError(f"rank must be in 0..{num_workers - 1}, got {rank}")
    per_worker = num_examples // num_workers
    if batch_size < 1 or per_worker < batch_size:
        raise ValueError(
            f"batch_size={batch_size} needs 1 <= batch_size <= {per_worker} "
            f"({num_examples} examples shared by {num_workers} workers)"
        )
    shard = np.arange(rank, num_examples, num_workers)[:per_worker]
    order = np.random.default_rng([seed, epoch, rank]).permutation(shard)
    steps = per_worker // batch_size
    return [order[i * batch_size : (i + 1) * batch_size] for i in range(steps)]


def _digits_arrays() -> tuple[np.ndarray, np.ndarray, nd.NDArray, nd.NDArray]:
    """Training images and labels as NumPy arrays, test images and labels as NDArrays."""
    train, test = load_digits_dataset()
    x_train, y_train = train[:][0].asnumpy(), np.asarray(train[:][1])
    return x_train, y_train, test[:][0], nd.array(test[:][1])


def _result(
    net: nn.Block, data: tuple, rank: int, num_workers: int, losses: list, seconds: list
) -> dict:
    _, _, x_test, y_test = data
    predicted = net(x_test).argmax(axis=1)
    params = net._collect_params_with_prefix()  # structural names: "0.weight", "4.bias", ...
    return {
        "rank": rank,
        "num_workers": num_workers,
        "losses": losses,
        "test_acc": float((predicted == y_test).mean().asscalar()),
        "params": {name: p.data().asnumpy() for name, p in params.items()},
        "seconds_per_epoch": seconds,
    }


def _send_weights_now(trainer: gluon.Trainer) -> None:
    """Have `trainer` put its starting weights into its kvstore now, and wait until done.

    Gluon 1.9.1's `Trainer` does this lazily, inside its first `step`, in the same call
    that sends the first gradients. With `update_on_kvstore=False` the pull of the
    starting weights writes the weights and the push-pull of the gradients writes the
    gradients, so nothing orders the two: a worker whose pull reaches the server after
    the first sum of gradients pulls that sum as its weights. (With the optimizer on the
    servers both write the weights, so they run in order.)
    """
    trainer._init_kvstore()
    trainer._init_params()
    nd.waitall()


def train_digits_worker(
    num_epochs: int = 2,
    batch_size: int = 32,
    optimizer: str = "adam",
    lr: float = 0.01,
    seed: int = 0,
    update_on_kvstore: bool | None = None,
) -> dict[str, Any]:
    """Train `digits_cnn` as one worker of a `dist_sync` cluster, on this worker's shard.

    Joins the cluster, takes the batches `shard_batches` gives its rank, and after each
    backward pass calls `trainer.step(batch_size * num_workers)`: the server adds the
    gradients of all workers (each a sum over its batch), so the step must divide by
    the examples of all of them. `update_on_kvstore` goes to the `Trainer`: None
    (MXNet's choice: True for `dist_sync`) runs the optimizer on the servers;
    False makes the servers only add the gradients and every worker run the optimizer
    on their sum (the worker then sends its starting weights before training, see
    `_send_weights_now`). Returns a dict: "rank", "num_workers", "losses" (mean training loss
    of each epoch on this shard), "test_acc" (on the whole test split), "params"
    (name -> NumPy array after training) and "seconds_per_epoch".
    Introduced in notebooks/11_training_on_several_machines.ipynb.
    """
    kv = mx.kv.create("dist_sync")
    data = x_train, y_train, _, _ = _digits_arrays()
    net = digits_cnn(seed)
    trainer = gluon.Trainer(net.collect_params(), optimizer, {"learning_rate": lr}, kvstore=kv,
                            update_on_kvstore=update_on_kvstore)
    if update_on_kvstore is False:
        _send_weights_now(trainer)  # before the first gradients: see its docstring
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    losses, seconds = [], []
    for epoch in range(num_epochs):
        start, total = time.perf_counter(), 0.0
        batches = shard_batches(len(y_train), kv.rank, kv.num_workers, batch_size, epoch, seed)
        for idx in batches:
            X, y = nd.array(x_train[idx]), nd.array(y_train[idx])
            with autograd.record():
                loss = loss_fn(net(X), y)
            loss.backward()
            trainer.step(batch_size * kv.num_workers)
            total += float(loss.sum().asscalar())
        seconds.append(time.perf_counter() - start)
        losses.append(total / (len(batches) * batch_size))
    return _result(net, data, kv.rank, kv.num_workers, losses, seconds)


def train_digits_accumulated(
    num_workers: int = 2,
    num_epochs: int = 2,
    batch_size: int = 32,
    optimizer: str = "adam",
    lr: float = 0.01,
    seed: int = 0,
) -> dict[str, Any]:
    """What `num_workers` runs of `train_digits_worker` compute together, in one process.

    For every step it takes worker r's batch for r = 0, 1, ..., runs backward on each
    with `grad_req="add"` (so the gradients add up in the weights' gradient buffers, as
    they add up on the server), then steps once with `batch_size * num_workers`. Same
    network, seed, batches and optimizer. Returns the dict of `train_digits_worker`
    with "rank" 0 and "losses" averaged over all shards.
    Introduced in notebooks/11_training_on_several_machines.ipynb.
    """
    data = x_train, y_train, _, _ = _digits_arrays()
    net = digits_cnn(seed)
    net.collect_params().setattr("grad_req", "add")
    trainer = gluon.Trainer(net.collect_params(), optimizer, {"learning_rate": lr})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    losses, seconds = [], []
    for epoch in range(num_epochs):
        start, total = time.perf_counter(), 0.0
        shards = [
            shard_batches(len(y_train), r, num_workers, batch_size, epoch, seed)
            for r in range(num_workers)
        ]
        for step_batches in zip(*shards, strict=True):
            net.collect_params().zero_grad()
            for idx in step_batches:
                X, y = nd.array(x_train[idx]), nd.array(y_train[idx])
                with autograd.record():
                    loss = loss_fn(net(X), y)
                loss.backward()
                total += float(loss.sum().asscalar())
            trainer.step(batch_size * num_workers)
        seconds.append(time.perf_counter() - start)
        losses.append(total / (len(shards[0]) * batch_size * num_workers))
    return _result(net, data, 0, num_workers, losses, seconds)

"""Tests of utils.train (train, evaluate, accuracy) ."""

import importlib

import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon, init, nd
from mxnet.gluon import nn

from utils.train import accuracy, evaluate, train

# The module itself: `utils.train` as an attribute is the function, which the package exports.
train_module = importlib.import_module("utils.train")


def _toy_data(n=64, seed=0):
    """Two well separated 2-D blobs, labels 0 and 1."""
    rng = np.random.RandomState(seed)
    y = np.arange(n) % 2
    x = rng.normal(size=(n, 2)).astype(np.float32) + 3 * (2 * y[:, None] - 1)
    return gluon.data.ArrayDataset(nd.array(x), y.astype(np.int32))


def _net(prefix="toy_"):
    net = nn.Dense(2, in_units=2, prefix=prefix)
    mx.random.seed(0)
    net.initialize(init.Normal(0.5))
    return net


LOSS = gluon.loss.SoftmaxCrossEntropyLoss()


def test_accuracy_on_a_hand_checked_batch():
    scores = nd.array([[2, 1, 0], [0, 3, 1], [0, 0, 5], [1, 0, 0]])
    labels = nd.array([0, 2, 2, 1], dtype="int32")
    assert accuracy((scores,), (labels,)).asnumpy().tolist() == [1, 0, 1, 0]


def test_accuracy_rejects_scores_and_labels_that_do_not_match():
    scores = nd.array([[2, 1, 0], [0, 3, 1], [0, 0, 5], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"4 predictions .* but 3 labels"):
        accuracy((scores,), (nd.array([0, 2, 2], dtype="int32"),))
    with pytest.raises(ValueError, match=r"shape \(batch, classes\), got shape \(4,\)"):
        accuracy((scores[:, 0],), (nd.array([0, 2, 2, 1], dtype="int32"),))
    column = nd.array([[0], [2], [2], [1]], dtype="int32")  # labels as a (batch, 1) column
    assert accuracy((scores,), (column,)).asnumpy().tolist() == [1, 0, 1, 0]


def test_evaluate_on_a_hand_checked_case():
    net = nn.Dense(2, in_units=1, prefix="hand_")
    net.initialize()
    net.weight.set_data(nd.array([[1], [-1]]))  # score0 = x, score1 = -x: class 0 iff x > 0
    net.bias.set_data(nd.zeros(2))
    x = nd.array([[1], [2], [-1], [3], [-2]])
    y = np.array([0, 1, 1, 0, 0], dtype=np.int32)  # predictions 0, 0, 1, 0, 1: 3 right of 5
    data = gluon.data.DataLoader(gluon.data.ArrayDataset(x, y), batch_size=2)
    scores = evaluate(net, data, LOSS)
    assert scores["acc"] == pytest.approx(3 / 5)
    expected = LOSS(net(x), nd.array(y)).mean().asscalar()
    assert scores["loss"] == pytest.approx(float(expected), rel=1e-6)


def test_train_decreases_loss_and_returns_a_history(capsys):
    data = gluon.data.DataLoader(_toy_data(), batch_size=8, shuffle=True)
    net = _net()
    history = train(net, data, LOSS, lr=0.1, num_epochs=5, test_data=data, seed=0)
    assert set(history) == {
        "epoch", "step", "train_loss", "train_acc", "test_loss", "test_acc"}
    assert all(len(v) == 5 for v in history.values())
    assert history["epoch"] == [1, 2, 3, 4, 5]
    assert history["step"] == [8, 16, 24, 32, 40]
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history["test_acc"][-1] == 1.0
    assert capsys.readouterr().out == ""  # quiet unless verbose


def test_train_is_deterministic_given_the_seed_and_prints_one_line_per_epoch(capsys):
    runs = []
    for _ in range(2):
        data = gluon.data.DataLoader(_toy_data(), batch_size=8, shuffle=True)
        runs.append(train(_net(), data, LOSS, lr=0.1, num_epochs=3, seed=5, verbose=True))
    assert runs[0] == runs[1]
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6 and lines[:3] == lines[3:]
    assert lines[0].startswith("epoch 1  step 8  train_loss ")


def test_step_budget_cuts_an_epoch_short():
    data = gluon.data.DataLoader(_toy_data(), batch_size=8)
    history = train(_net(), data, LOSS, max_steps=12)
    assert history["epoch"] == [1, 2] and history["step"] == [8, 12]
    history = train(_net(), data, LOSS, num_epochs=1, max_steps=100)
    assert history["step"] == [8]


def test_a_trainer_passed_in_and_lr_mult_are_used():
    data = gluon.data.DataLoader(_toy_data(), batch_size=8)
    net = _net()
    net.bias.lr_mult = 0.0
    bias = net.bias.data().asnumpy().copy()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5})
    train(net, data, LOSS, trainer, num_epochs=1)
    assert np.array_equal(net.bias.data().asnumpy(), bias)
    frozen = _net("frozen_")
    frozen.weight.grad_req = "null"
    weight = frozen.weight.data().asnumpy().copy()
    train(frozen, data, LOSS, num_epochs=1)
    assert np.array_equal(frozen.weight.data().asnumpy(), weight)


class _TwoInTwoOut(nn.HybridBlock):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.cls = nn.Dense(2, prefix="cls_")
            self.reg = nn.Dense(1, prefix="reg_")

    def hybrid_forward(self, F, a, b):
        h = F.concat(a, b, dim=1)
        return self.cls(h), self.reg(h).reshape((-1,))


def test_two_inputs_two_outputs_and_custom_metrics():
    base = _toy_data(32)
    x = nd.stack(*[base[i][0] for i in range(len(base))])
    y = np.array([base[i][1] for i in range(len(base))], dtype=np.int32)
    target = x[:, 0].asnumpy() + 1
    ds = gluon.data.ArrayDataset(x[:, :1], x[:, 1:], y, target)
    data = gluon.data.DataLoader(ds, batch_size=8)
    net = _TwoInTwoOut(prefix="two_")
    net.initialize()
    l2 = gluon.loss.L2Loss()

    def loss_fn(scores, value, label, target):
        return LOSS(scores, label) + l2(value, target)

    metrics = {"acc": accuracy, "mae": lambda o, lab: nd.abs(o[1] - lab[1])}
    history = train(net, data, loss_fn, lr=0.05, num_epochs=4, test_data=data,
                    metrics=metrics, num_inputs=2)
    assert {"train_mae", "test_mae", "test_acc"} <= set(history)
    assert history["train_loss"][-1] < history["train_loss"][0]
    final = evaluate(net, data, loss_fn, metrics, num_inputs=2)
    assert final["mae"] == pytest.approx(history["test_mae"][-1])


@pytest.mark.slow
def test_keep_best_ends_with_the_epoch_of_lowest_held_out_loss():
    data = gluon.data.DataLoader(_toy_data(), batch_size=8, shuffle=True)
    # Held-out labels are the opposite of the training labels: the more the network
    # learns, the worse its held-out loss, so the best epoch is an early one.
    x, y = zip(*_toy_data(seed=1), strict=True)
    flipped = gluon.data.ArrayDataset(nd.stack(*x), 1 - np.array(y, dtype=np.int32))
    held_out = gluon.data.DataLoader(flipped, batch_size=16)
    kept, last = _net(), _net()
    history = train(kept, data, LOSS, lr=0.1, num_epochs=5, test_data=held_out,
                    eval_name="val", seed=0, keep_best=True)
    same = train(last, data, LOSS, lr=0.1, num_epochs=5, test_data=held_out,
                 eval_name="val", seed=0)
    assert history == same and {"val_loss", "val_acc"} <= set(history)
    best = int(np.argmin(history["val_loss"]))
    assert best < 4  # an early epoch won, so keeping it is a change
    assert evaluate(kept, held_out, LOSS)["loss"] == pytest.approx(history["val_loss"][best])
    assert evaluate(last, held_out, LOSS)["loss"] == pytest.approx(history["val_loss"][-1])
    assert not np.array_equal(kept.weight.data().asnumpy(), last.weight.data().asnumpy())


@pytest.mark.slow
def test_patience_stops_once_the_held_out_loss_stops_falling():
    data = gluon.data.DataLoader(_toy_data(), batch_size=8, shuffle=True)
    # As above: held-out labels opposite to the training labels, so the held-out loss
    # rises from an early epoch on and patience must end training early.
    x, y = zip(*_toy_data(seed=1), strict=True)
    flipped = gluon.data.ArrayDataset(nd.stack(*x), 1 - np.array(y, dtype=np.int32))
    held_out = gluon.data.DataLoader(flipped, batch_size=16)
    full = train(_net(), data, LOSS, lr=0.1, num_epochs=12, test_data=held_out, seed=0)
    best = int(np.argmin(full["test_loss"]))
    assert best + 3 < 12  # the lowest loss comes early enough for patience 3 to act
    net = _net()
    history = train(net, data, LOSS, lr=0.1, num_epochs=12, test_data=held_out, seed=0,
                    patience=3, keep_best=True)
    # the same epochs as the full run, up to the third epoch without a new lowest loss
    assert len(history["epoch"]) == best + 1 + 3
    assert history["test_loss"] == full["test_loss"][: best + 4]
    assert evaluate(net, held_out, LOSS)["loss"] == pytest.approx(full["test_loss"][best])


def test_patience_counts_epochs_since_the_lowest_loss_not_since_any_fall(monkeypatch):
    # Scripted held-out losses 3, 1, 2, 1.5, 1.8, 0.5: epoch 4 falls below epoch 3 but not
    # below the lowest (epoch 2), so with patience 3 training stops after epoch 5.
    losses = iter([3.0, 1.0, 2.0, 1.5, 1.8, 0.5, 0.4])
    monkeypatch.setattr(train_module, "evaluate",
                        lambda *args, **kwargs: {"loss": next(losses), "acc": 0.5})
    data = gluon.data.DataLoader(_toy_data(8), batch_size=8)
    history = train(_net(), data, LOSS, num_epochs=7, test_data=[()], patience=3)
    assert history["test_loss"] == [3.0, 1.0, 2.0, 1.5, 1.8]
    assert history["epoch"] == [1, 2, 3, 4, 5]


def test_min_delta_ignores_falls_smaller_than_it(monkeypatch):
    # Scripted held-out losses 3, 1, 0.99, 0.995, 0.98, 0.5: epochs 3-5 stay lower than
    # epoch 2, but by less than min_delta 0.05, so they do not reset patience 3; training
    # stops after epoch 5, where min_delta 0 would have gone on to epoch 6 and beyond.
    scripted = [3.0, 1.0, 0.99, 0.995, 0.98, 0.5, 0.4]
    data = gluon.data.DataLoader(_toy_data(8), batch_size=8)
    for min_delta, expected in ((0.05, scripted[:5]), (0.0, scripted[:7])):
        losses = iter(scripted)
        monkeypatch.setattr(train_module, "evaluate",
                            lambda *args, losses=losses, **kwargs: {"loss": next(losses),
                                                                    "acc": 0.5})
        history = train(_net(), data, LOSS, num_epochs=7, test_data=[()], patience=3,
                        min_delta=min_delta)
        assert history["test_loss"] == expected


def test_min_delta_keeps_the_last_epoch_that_improved_by_more_than_it(monkeypatch):
    # Losses 3, 1, 0.99, 0.98, 0.97: with min_delta 0.05 the kept epoch is epoch 2, whose
    # weights differ from those at the end; with min_delta 0 it is epoch 5, the last.
    data = gluon.data.DataLoader(_toy_data(8), batch_size=8)
    kept_weights = {}
    for min_delta in (0.05, 0.0):
        losses = iter([3.0, 1.0, 0.99, 0.98, 0.97])
        seen = []

        def scripted(net, *args, losses=losses, seen=seen, **kwargs):
            seen.append(net.weight.data().asnumpy().copy())
            return {"loss": next(losses), "acc": 0.5}

        monkeypatch.setattr(train_module, "evaluate", scripted)
        net = _net()
        train(net, data, LOSS, lr=0.1, num_epochs=5, test_data=[()], keep_best=True,
              min_delta=min_delta, seed=0)
        kept_weights[min_delta] = net.weight.data().asnumpy()
        index = 1 if min_delta else 4
        assert np.array_equal(kept_weights[min_delta], seen[index])
    assert not np.array_equal(kept_weights[0.05], kept_weights[0.0])


def test_running_means_equal_float32_batch_sums_added_as_python_floats():
    # Each batch's float32 sum is kept until the end and the sums are then added in order
    # as Python floats; the result must be exactly what doing that by hand gives.
    data = gluon.data.DataLoader(_toy_data(60), batch_size=8)
    net = _net()
    total, count = 0.0, 0
    for x, y in data:
        total += float(LOSS(net(x), y).sum().asscalar())
        count += x.shape[0]
    assert evaluate(net, data, LOSS)["loss"] == total / count


def test_bad_arguments():
    data = gluon.data.DataLoader(_toy_data(), batch_size=8)
    with pytest.raises(ValueError, match="give num_epochs, max_steps or both"):
        train(_net(), data, LOSS)
    with pytest.raises(ValueError, match="max_steps must be an int >= 1, got 0"):
        train(_net(), data, LOSS, max_steps=0)
    with pytest.raises(ValueError, match="a batch has 2 entries but num_inputs=2"):
        train(_net(), data, LOSS, num_epochs=1, num_inputs=2)
    with pytest.raises(ValueError, match="evaluate got no batches"):
        evaluate(_net(), [])
    with pytest.raises(ValueError, match="keep_best=True needs test_data"):
        train(_net(), data, LOSS, num_epochs=1, keep_best=True)
    with pytest.raises(ValueError, match="train got no batches"):
        train(_net(), [], LOSS, num_epochs=1)
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="patience must be None or an int >= 1"):
            train(_net(), data, LOSS, num_epochs=1, test_data=data, patience=bad)
    with pytest.raises(ValueError, match="patience needs test_data"):
        train(_net(), data, LOSS, num_epochs=1, patience=2)
    for bad in (-0.1, float("nan"), float("inf"), "0.1", True):
        with pytest.raises(ValueError, match="min_delta must be a number >= 0"):
            train(_net(), data, LOSS, num_epochs=1, test_data=data, min_delta=bad)

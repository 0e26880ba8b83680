"""Tests of utils.grouped: many DigitCNNs trained side by side as one block."""

from __future__ import annotations

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon, init, nd
from mxnet.gluon import nn

from utils.grouped import (
    METHODS,
    ManyCNNs,
    ManyDense,
    ManyDenseLayers,
    copy_weights,
    load_copy_weights,
    predict_side_by_side,
    stack_dense_layers,
    stack_digit_cnns,
    start_network,
    train_runs,
    train_side_by_side,
)
from utils.models import DigitCNN

LOSS = gluon.loss.SoftmaxCrossEntropyLoss()


def _nets(count, num_classes=5):
    nets = []
    for g in range(count):
        mx.random.seed(10 + g)
        net = DigitCNN(num_classes, prefix=f"net{g}_")
        net.initialize(init.Xavier())
        net(nd.zeros((1, 1, 8, 8)))  # fixes the dense layers' shapes
        nets.append(net)
    return nets


def test_each_copy_computes_what_its_own_network_computes():
    nets = _nets(3)
    many = stack_digit_cnns(nets, prefix="m_")
    x = nd.random.uniform(shape=(4, 3, 8, 8))
    out = many(x)
    assert out.shape == (3, 4, 5)
    assert many.features(x).shape == (3, 4, 32)
    for g, net in enumerate(nets):
        np.testing.assert_allclose(out[g].asnumpy(), net(x[:, g:g + 1]).asnumpy(), atol=1e-5)
    many.hybridize()
    np.testing.assert_allclose(many(x).asnumpy(), out.asnumpy(), atol=1e-6)


def test_one_sgd_step_with_per_copy_loss_weights_is_one_step_of_each_network_at_its_rate():
    # Loss = sum over copies of rate_g * (copy g's mean loss); with a Trainer at learning
    # rate 1, copy g moves exactly as its own network does with learning rate rate_g.
    nets = _nets(3)
    rates = [0.1, 0.5, 2.0]
    many = stack_digit_cnns(nets, prefix="m_")
    many.features.collect_params().setattr("lr_mult", 0.1)  # fine-tuning: a slower body
    x = nd.random.uniform(shape=(6, 3, 8, 8))
    y = nd.array(np.random.default_rng(0).integers(0, 5, size=(3, 6)))
    trainer = gluon.Trainer(many.collect_params(), "sgd", {"learning_rate": 1.0})
    with autograd.record():
        loss = (LOSS(many(x), y) * nd.array(rates)).sum()
    loss.backward()
    trainer.step(1)
    for g, (net, rate) in enumerate(zip(nets, rates, strict=True)):
        net.features.collect_params().setattr("lr_mult", 0.1)
        own = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": rate})
        with autograd.record():
            own_loss = LOSS(net(x[:, g:g + 1]), y[g]).mean()
        own_loss.backward()
        own.step(1)
        np.testing.assert_allclose(many.features.conv1.weight.data()[8 * g:8 * g + 8].asnumpy(),
                                   net.features[0].weight.data().asnumpy(), atol=1e-5)
        np.testing.assert_allclose(many.features.conv2.weight.data()[16 * g:16 * g + 16].asnumpy(),
                                   net.features[2].weight.data().asnumpy(), atol=1e-5)
        np.testing.assert_allclose(many.features.fc.weight.data()[g].asnumpy(),
                                   net.features[5].weight.data().asnumpy(), atol=1e-5)
        np.testing.assert_allclose(many.output.bias.data()[g, 0].asnumpy(),
                                   net.output.bias.data().asnumpy(), atol=1e-5)
    # and the body did move: the check above is not comparing untouched weights
    assert not np.allclose(many.features.conv2.weight.data()[:16].asnumpy(),
                           stack_digit_cnns(_nets(1)).features.conv2.weight.data().asnumpy())


def test_a_frozen_body_stays_put_and_copies_do_not_leak_into_each_other():
    nets = _nets(2)
    many = stack_digit_cnns(nets, prefix="m_")
    many.features.collect_params().setattr("grad_req", "null")
    before = copy_weights(many)
    x = nd.random.uniform(shape=(4, 2, 8, 8))
    y = nd.array([[0, 1, 2, 3], [4, 3, 2, 1]])
    trainer = gluon.Trainer(many.collect_params(), "sgd", {"learning_rate": 0.5})
    with autograd.record():
        loss = (LOSS(many(x), y) * nd.array([1.0, 0.0])).sum()  # copy 1 gets no gradient
    loss.backward()
    trainer.step(1)
    after = copy_weights(many)
    for k in range(4):  # the four body parameters (conv1, conv2 weights and biases)
        assert np.array_equal(before[k], after[k])
    head = [i for i, name in enumerate(many.collect_params()) if "output" in name]
    for k in head:
        assert not np.array_equal(before[k][0], after[k][0])  # copy 0's head moved
        assert np.array_equal(before[k][1], after[k][1])  # copy 1's did not


def test_many_dense_is_nn_dense_per_copy():
    layers = []
    for g in range(3):
        layer = nn.Dense(4, in_units=6, prefix=f"d{g}_")
        layer.initialize(init.Normal(1.0))
        layers.append(layer)
    many = ManyDense(3, 4, 6, prefix="md_")
    many.initialize()
    load_copy_weights(many, [np.stack([layer.weight.data().asnumpy().ravel() for layer in layers]),
                             np.stack([layer.bias.data().asnumpy() for layer in layers])])
    x = nd.random.normal(shape=(3, 5, 6))
    out = many(x)
    assert out.shape == (3, 5, 4)
    for g, layer in enumerate(layers):
        np.testing.assert_allclose(out[g].asnumpy(), layer(x[g]).asnumpy(), atol=1e-5)


def test_copy_weights_round_trip_and_pick_copies():
    nets = _nets(3)
    many = stack_digit_cnns(nets, prefix="m_")
    weights = copy_weights(many)
    assert [w.shape[0] for w in weights] == [3] * 8
    reordered = stack_digit_cnns([nets[2], nets[0], nets[1]], prefix="o_")
    picked = stack_digit_cnns([nets[0]] * 3, prefix="p_")  # other weights, replaced next
    load_copy_weights(picked, [w[[2, 0, 1]] for w in weights])  # rows picked by copy
    x = nd.random.uniform(shape=(2, 3, 8, 8))
    np.testing.assert_array_equal(picked(x).asnumpy(), reordered(x).asnumpy())
    weights[0][:] = 0  # a copy: changing it changes nothing in the network
    assert not np.array_equal(copy_weights(many)[0], weights[0])


def test_bad_inputs():
    with pytest.raises(ValueError, match="copies must be an int >= 1, got 0"):
        ManyCNNs(0, 5)
    with pytest.raises(TypeError, match="num_classes must be an int >= 1"):
        ManyCNNs(2, 2.5)
    with pytest.raises(ValueError, match="in_units must be an int >= 1"):
        ManyDense(2, 3, -1)
    with pytest.raises(ValueError, match="nets is empty"):
        stack_digit_cnns([])
    with pytest.raises(TypeError, match=r"must all be DigitCNN, got \['Dense'\]"):
        stack_digit_cnns([nn.Dense(3)])
    with pytest.raises(ValueError, match="different numbers of classes: \\[3, 5\\]"):
        stack_digit_cnns(_nets(1, 5) + _nets(1, 3))
    fresh = DigitCNN(5, prefix="fresh_")
    fresh.initialize()
    with pytest.raises(ValueError, match=r"nets\[0\] has no values for fresh_features_conv1_"):
        stack_digit_cnns([fresh])
    many = stack_digit_cnns(_nets(2))
    with pytest.raises(ValueError, match=r"got 7 arrays for 8 parameters"):
        load_copy_weights(many, copy_weights(many)[:7])
    with pytest.raises(ValueError, match=r"conv1_weight: expected an array of shape \(2, 72\)"):
        load_copy_weights(many, [np.zeros((2, 5))] + copy_weights(many)[1:])
    with pytest.raises(TypeError, match="ManyCNNs, ManyDenseLayers or ManyDense, got DigitCNN"):
        copy_weights(_nets(1)[0])


def _own_training(net, method, rate, momentum, body_lr_mult=0.1):
    """An ordinary Gluon Trainer for one network, set up as `method` says."""
    if method == "frozen":
        net.features.collect_params().setattr("grad_req", "null")
    elif method == "frozen convolutions":
        for layer in (net.features[0], net.features[2]):
            layer.collect_params().setattr("grad_req", "null")
    elif method == "fine-tuned":
        net.features.collect_params().setattr("lr_mult", body_lr_mult)
    options = {"learning_rate": rate}
    if momentum:
        options["momentum"] = momentum
    return gluon.Trainer(net.collect_params(), "sgd", options)


def test_side_by_side_steps_with_momentum_and_body_factors_are_each_networks_own_steps():
    # Three SGD steps with momentum: copy g, with rate rates[g] and its body's gradient
    # multiplied by mults[g], ends where its own network ends with lr_mult = mults[g].
    nets = _nets(3)
    rates, mults = [0.05, 0.2, 0.5], [1.0, 0.1, 0.0]
    many = stack_digit_cnns(nets, prefix="m_")
    rng = np.random.default_rng(1)
    images = nd.array(rng.random((12, 8, 8)))
    labels = rng.integers(0, 5, 12)
    batches = rng.integers(0, 12, (3, 3, 4))  # (steps, copies, batch)
    before = copy_weights(many)
    train_side_by_side(many, images, labels, batches, rates, mults, momentum=0.9)
    after = copy_weights(many)
    for g, net in enumerate(nets):
        net.features.collect_params().setattr("lr_mult", mults[g])
        own = gluon.Trainer(net.collect_params(), "sgd",
                            {"learning_rate": rates[g], "momentum": 0.9})
        for t in range(3):
            x = images[batches[t, g]].expand_dims(1)
            with autograd.record():
                loss = LOSS(net(x), nd.array(labels[batches[t, g]])).mean()
            loss.backward()
            own.step(1)
        own_weights = copy_weights(stack_digit_cnns([net], prefix="own_"))
        for mine, theirs in zip(after, own_weights, strict=True):
            np.testing.assert_allclose(mine[g], theirs[0], atol=1e-5)
    # copy 2's body (factor 0) stayed put, copy 0's moved: the check compares moved weights
    assert np.array_equal(before[0][2], after[0][2])
    assert not np.allclose(before[0][0], after[0][0])


def test_dense_layers_compute_what_the_networks_dense_layers_compute():
    nets = _nets(2)
    many = stack_dense_layers(nets, prefix="d_")
    assert isinstance(many, ManyDenseLayers) and many.copies == 2
    x = nd.random.uniform(shape=(5, 1, 8, 8))
    for g, net in enumerate(nets):
        h = net.features[:-1](x)  # (5, 64): the convolutions' flattened output
        out = many(nd.stack(h, h))[g]
        np.testing.assert_allclose(out.asnumpy(), net(x).asnumpy(), atol=1e-5)
    index = np.array([[0, 1, 2], [4, 3, 2]])
    predicted = predict_side_by_side(many, nets[0].features[:-1](x), index)
    assert predicted.shape == (2, 3)
    np.testing.assert_array_equal(predicted[0], nets[0](x).argmax(axis=1).asnumpy()[:3])


def test_train_runs_predicts_what_each_method_trained_on_its_own_predicts():
    source = _nets(1)[0]
    rng = np.random.default_rng(2)
    images = rng.random((20, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 5, 20).astype(np.int32)
    methods = list(METHODS)
    seeds, rates, steps = [0, 0, 1, 1], [0.3, 0.5, 0.2, 0.4], 4
    batches = rng.integers(0, 20, (len(methods), steps, 5))
    score_index = np.tile(np.arange(20), (len(methods), 1))
    predicted, finite = train_runs(source, methods, seeds, rates, batches, images, labels,
                                   images, score_index, [2, 4], momentum=0.9)
    assert predicted.shape == (2, 4, 20) and finite.all()
    for i, method in enumerate(methods):
        net = start_network(source, method, seeds[i])
        trainer = _own_training(net, method, rates[i], 0.9)
        for t in range(steps):
            with autograd.record():
                loss = LOSS(net(nd.array(images[batches[i, t]][:, None])),
                            nd.array(labels[batches[i, t]])).mean()
            loss.backward()
            trainer.step(1)
        own = net(nd.array(images[:, None])).argmax(axis=1).asnumpy()
        np.testing.assert_array_equal(predicted[1, i], own, err_msg=method)
    # the methods did differ: not every run predicts the same classes
    assert len({tuple(p) for p in predicted[1]}) > 1


def test_start_network_reuses_the_body_only_for_reusing_methods():
    source = _nets(1)[0]
    scratch = start_network(source, "from scratch", 3)
    tuned = start_network(source, "fine-tuned", 3)
    np.testing.assert_array_equal(scratch.output.weight.data().asnumpy(),
                                  tuned.output.weight.data().asnumpy())
    np.testing.assert_array_equal(tuned.features[0].weight.data().asnumpy(),
                                  source.features[0].weight.data().asnumpy())
    assert not np.allclose(scratch.features[0].weight.data().asnumpy(),
                           source.features[0].weight.data().asnumpy())


def test_bad_calls_of_the_training_helpers():
    source = _nets(1)[0]
    many = stack_digit_cnns(_nets(2))
    images, labels = nd.zeros((4, 8, 8)), np.zeros(4)
    with pytest.raises(ValueError, match=r"batches must have shape \(steps, copies, batch\)"):
        train_side_by_side(many, images, labels, np.zeros((3, 1, 2), int), [0.1, 0.1])
    with pytest.raises(ValueError, match=r"rates must hold one number per copy"):
        train_side_by_side(many, images, labels, np.zeros((3, 2, 2), int), [0.1])
    with pytest.raises(ValueError, match=r"body_mults must be finite and >= 0"):
        train_side_by_side(many, images, labels, np.zeros((3, 2, 2), int), [0.1, 0.1], [1, -1])
    with pytest.raises(ValueError, match=r"momentum must be a number in \[0, 1\)"):
        train_side_by_side(many, images, labels, np.zeros((3, 2, 2), int), [0.1, 0.1],
                           momentum=1.0)
    with pytest.raises(ValueError, match=r"checkpoints must lie in 1..3"):
        train_side_by_side(many, images, labels, np.zeros((3, 2, 2), int), [0.1, 0.1],
                           score_index=np.zeros((2, 1), int), checkpoints=[4])
    with pytest.raises(ValueError, match="checkpoints need score_index"):
        train_side_by_side(many, images, labels, np.zeros((3, 2, 2), int), [0.1, 0.1],
                           checkpoints=[1])
    with pytest.raises(TypeError, match="many must be a ManyCNNs or ManyDenseLayers"):
        train_side_by_side(nn.Dense(2), images, labels, np.zeros((3, 2, 2), int), [0.1, 0.1])
    with pytest.raises(ValueError, match=r"method must be one of"):
        start_network(source, "thawed", 0)
    with pytest.raises(ValueError, match=r"unknown methods \['thawed'\]"):
        train_runs(source, ["thawed"], [0], [0.1], np.zeros((1, 2, 2), int), np.zeros((4, 8, 8)),
                   labels, np.zeros((4, 8, 8)), np.zeros((1, 2), int), [1])
    with pytest.raises(ValueError, match="one entry per run is needed: 1 methods, 2 seeds"):
        train_runs(source, ["frozen"], [0, 1], [0.1], np.zeros((1, 2, 2), int),
                   np.zeros((4, 8, 8)), labels, np.zeros((4, 8, 8)), np.zeros((1, 2), int), [1])
    with pytest.raises(ValueError, match=r"index must have shape \(copies, m\)"):
        predict_side_by_side(many, images, np.zeros((3, 2), int))


def test_train_runs_reports_a_diverged_run():
    # A rate far too large drives the weights to infinities or NaNs; a small one does not.
    source = _nets(1)[0]
    rng = np.random.default_rng(3)
    images = rng.random((10, 8, 8)).astype(np.float32) * 10
    labels = rng.integers(0, 5, 10).astype(np.int32)
    batches = rng.integers(0, 10, (2, 30, 5))
    _, finite = train_runs(source, ["from scratch"] * 2, [0, 0], [0.01, 1e8], batches, images,
                           labels, images, np.zeros((2, 1), int), [30], momentum=0.9)
    assert finite.tolist() == [True, False]

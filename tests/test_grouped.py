"""Tests of utils.grouped: many DigitCNNs trained side by side as one block."""

from __future__ import annotations

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon, init, nd
from mxnet.gluon import nn

from utils.grouped import (
    ManyCNNs,
    ManyDense,
    copy_weights,
    load_copy_weights,
    stack_dense,
    stack_digit_cnns,
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
    many = stack_dense(layers, prefix="md_")
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
    with pytest.raises(ValueError, match="num_classes must be an int >= 1"):
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
    with pytest.raises(ValueError, match="layers must be initialised and of one shape"):
        a, b = nn.Dense(3, in_units=2), nn.Dense(3, in_units=4)
        a.initialize()
        b.initialize()
        stack_dense([a, b])
    many = stack_digit_cnns(_nets(2))
    with pytest.raises(ValueError, match=r"got 7 arrays for 8 parameters"):
        load_copy_weights(many, copy_weights(many)[:7])
    with pytest.raises(ValueError, match=r"conv1_weight: expected an array of shape \(2, 72\)"):
        load_copy_weights(many, [np.zeros((2, 5))] + copy_weights(many)[1:])
    with pytest.raises(TypeError, match="ManyCNNs or ManyDense, got DigitCNN"):
        copy_weights(_nets(1)[0])

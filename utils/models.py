"""The small LeNet-style CNN for the 8x8 digits that notebooks 07-09 build on.

Notebook 07 assembles it layer by layer and trains it; notebook 08 gives its
body a second input, and notebook 09 reuses its trained layers on a new task.
One definition serves all three, so a layer named in one notebook is the same
layer in the others.
"""

from __future__ import annotations

from mxnet.gluon import nn

from utils.checks import count


def digit_features(prefix: str = "features_") -> nn.HybridSequential:
    """The feature extractor ("body") of `DigitCNN`: (batch, 1, 8, 8) -> (batch, 32).

    Two blocks of 3x3 convolution (padding 1, so the size is kept) with ReLU, each
    followed by 2x2 max pooling: 1 -> 8 channels at 8x8 -> 4x4, then 8 -> 16
    channels at 4x4 -> 2x2. The 16 x 2 x 2 = 64 values are flattened and a dense
    layer with ReLU maps them to 32 features. Every layer has an explicit prefix
    (`conv1_`, `conv2_`, `fc_`) so parameter names such as `features_conv1_weight`
    do not depend on what else was created before. Layers 0, 2 and 5 hold weights.
    Introduced in notebooks/07_whole_cnn.ipynb.
    """
    features = nn.HybridSequential(prefix=prefix)
    with features.name_scope():
        features.add(
            nn.Conv2D(8, kernel_size=3, padding=1, activation="relu", prefix="conv1_"),
            nn.MaxPool2D(2),
            nn.Conv2D(16, kernel_size=3, padding=1, activation="relu", prefix="conv2_"),
            nn.MaxPool2D(2),
            nn.Flatten(),
            nn.Dense(32, activation="relu", prefix="fc_"),
        )
    return features


class DigitCNN(nn.HybridBlock):
    """`digit_features` followed by a dense `output` layer: (batch, 1, 8, 8) -> (batch, classes).

    The two parts are attributes, `features` and `output`, so "everything but the
    last layer" is `net.features`. Parameters are created uninitialised; call
    `net.initialize(...)` as with any Gluon block. `num_classes` must be an int >= 1.
    Introduced in notebooks/07_whole_cnn.ipynb.
    """

    def __init__(self, num_classes: int = 10, **kwargs) -> None:
        count(num_classes, "num_classes")
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = digit_features()
            self.output = nn.Dense(num_classes, prefix="output_")

    def hybrid_forward(self, F, x):  # noqa: N803 - Gluon's name for the operator namespace
        return self.output(self.features(x))

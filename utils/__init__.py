"""Helpers shared by the Gluon CNN Basics notebooks.

Each name below says, in its docstring, which notebook introduces it.
Notebooks import what they use by name, e.g. `from utils import corr2d`.
"""

from utils.conv import (
    convolve2d,
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    corr2d_multi_in_out_1x1,
    pad2d,
)
from utils.data import load_digits_dataset
from utils.dist import ClusterError, role_environment, run_cluster
from utils.fast import conv2d
from utils.pool import pool2d
from utils.shapes import output_shape
from utils.train import accuracy, evaluate, train

__all__ = [
    "ClusterError",
    "accuracy",
    "conv2d",
    "convolve2d",
    "corr2d",
    "corr2d_multi_in",
    "corr2d_multi_in_out",
    "corr2d_multi_in_out_1x1",
    "evaluate",
    "load_digits_dataset",
    "output_shape",
    "pad2d",
    "pool2d",
    "role_environment",
    "run_cluster",
    "train",
]

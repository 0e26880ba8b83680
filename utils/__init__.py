"""Helpers shared by the Gluon CNN Basics notebooks, one module per topic.

Notebooks import by module, e.g. `from utils.conv import corr2d`; importing this package
loads nothing else. Each helper's docstring names the notebook that introduces it.
"""

"""Analysis of a network's structure: output sizes, parameter and multiply-add counts, summaries, receptive fields.

Modules (each holds one concept):

- :mod:`~cnnbook.analysis.output_size`: :func:`conv_output_size`, :func:`conv_transpose_output_size`.
- :mod:`~cnnbook.analysis.counts`: parameters and multiply-adds of conv, pooling, linear and
  batch-norm layers; :func:`count_parameters`; :func:`layer_macs`.
- :mod:`~cnnbook.analysis.summary`: :func:`summary`, a table of every layer's output shape,
  parameters and multiply-adds, measured with forward hooks.
- :mod:`~cnnbook.analysis.expected_shapes`: :func:`expected_shapes`, every layer's output shape
  predicted from the layers' hyperparameters (the output-size formula), without running the model.
- :mod:`~cnnbook.analysis.receptive_field`: :func:`receptive_field`, the analytic receptive
  field (size, effective stride, effective padding) after each layer of a chain.
- :mod:`~cnnbook.analysis.empirical`: :func:`empirical_receptive_field`, the same measured with
  autograd, and :func:`receptive_field_probe`, the network copy on which the two agree.
"""
from .counts import (
    batchnorm2d_macs,
    batchnorm2d_params,
    conv2d_macs,
    conv2d_params,
    count_parameters,
    layer_macs,
    linear_macs,
    linear_params,
    pool2d_ops,
)
from .empirical import EmpiricalReceptiveField, empirical_receptive_field, receptive_field_probe
from .expected_shapes import ShapeRow, expected_shapes
from .output_size import conv_output_size, conv_transpose_output_size
from .receptive_field import ReceptiveFieldRow, ReceptiveFieldTable, receptive_field
from .summary import LayerRow, ModelSummary, summary

__all__ = [
    "EmpiricalReceptiveField",
    "LayerRow",
    "ModelSummary",
    "ReceptiveFieldRow",
    "ReceptiveFieldTable",
    "ShapeRow",
    "batchnorm2d_macs",
    "batchnorm2d_params",
    "conv2d_macs",
    "conv2d_params",
    "conv_output_size",
    "conv_transpose_output_size",
    "count_parameters",
    "empirical_receptive_field",
    "expected_shapes",
    "layer_macs",
    "linear_macs",
    "linear_params",
    "pool2d_ops",
    "receptive_field",
    "receptive_field_probe",
    "summary",
]

"""Analysis of a network: output sizes, parameter and multiply-add counts, receptive fields, unit activity.

Modules (each holds one concept):

- :mod:`~cnnbook.analysis.shapes`: :func:`conv_output_size`, :func:`conv_transpose_output_size`
  (the output-size formula), and :func:`expected_shapes`, every layer's output shape predicted
  from the layers' hyperparameters, without running the model.
- :mod:`~cnnbook.analysis.costs`: parameters and multiply-adds of conv, locally connected,
  pooling, linear and batch-norm layers; :func:`count_parameters`; :func:`layer_macs`;
  :func:`layer_cost_shares`, each weight layer's share of a model's costs.
- :mod:`~cnnbook.analysis.summary`: :func:`summary`, a table of every layer's output shape,
  parameters and multiply-adds, measured with forward hooks.
- :mod:`~cnnbook.analysis.receptive_field`: :func:`receptive_field`, the analytic receptive
  field (size, effective stride, effective padding) after each layer of a chain.
- :mod:`~cnnbook.analysis.activations`: :func:`record_activations` (what each activation layer
  receives and returns on a batch), :func:`dead_units`, :func:`weight_gradients` and
  :func:`weight_gradient_norms` (the gradient and its size at each layer),
  :func:`gradient_agreement` (whether different mini-batches' gradients point the same way).
- :mod:`~cnnbook.analysis.receptive_field_measured`: :func:`empirical_receptive_field`, the same measured with
  autograd, and :func:`receptive_field_probe`, the network copy on which the two agree.
- :mod:`~cnnbook.analysis.receptive_field_effective`: :func:`effective_receptive_field`, the mean input-gradient
  magnitude of one unit over many images (how much each pixel of the field matters).
- :mod:`~cnnbook.analysis.feature_maps`: :func:`feature_maps`, the outputs of named layers
  recorded with forward hooks; :func:`layer_names`.
- :mod:`~cnnbook.analysis.top_patches`: :func:`top_patches`, the input patches (receptive
  fields) on which one channel of a layer responds most.
"""
from .activations import (
    ActivationRecord,
    dead_units,
    gradient_agreement,
    record_activations,
    weight_gradient_norms,
    weight_gradients,
)
from .costs import (
    LAYER_COSTS,
    batchnorm2d_macs,
    batchnorm2d_params,
    conv2d_macs,
    conv2d_params,
    count_parameters,
    layer_cost_shares,
    layer_macs,
    linear_macs,
    linear_params,
    locally_connected2d_params,
    pool2d_ops,
)
from .receptive_field_effective import effective_receptive_field
from .receptive_field_measured import EmpiricalReceptiveField, empirical_receptive_field, receptive_field_probe
from .feature_maps import feature_maps, layer_names
from .shapes import ShapeRow, conv_output_size, conv_transpose_output_size, expected_shapes
from .receptive_field import ReceptiveFieldRow, ReceptiveFieldTable, receptive_field
from .summary import LayerRow, ModelSummary, summary
from .top_patches import TopPatches, top_patches

__all__ = [
    "LAYER_COSTS",
    "ActivationRecord",
    "EmpiricalReceptiveField",
    "LayerRow",
    "ModelSummary",
    "ReceptiveFieldRow",
    "ReceptiveFieldTable",
    "ShapeRow",
    "TopPatches",
    "batchnorm2d_macs",
    "batchnorm2d_params",
    "conv2d_macs",
    "conv2d_params",
    "conv_output_size",
    "conv_transpose_output_size",
    "count_parameters",
    "effective_receptive_field",
    "dead_units",
    "empirical_receptive_field",
    "expected_shapes",
    "feature_maps",
    "gradient_agreement",
    "layer_cost_shares",
    "layer_macs",
    "layer_names",
    "linear_macs",
    "linear_params",
    "locally_connected2d_params",
    "pool2d_ops",
    "receptive_field",
    "receptive_field_probe",
    "record_activations",
    "summary",
    "top_patches",
    "weight_gradient_norms",
    "weight_gradients",
]

"""cnnbook: the reusable code of the executable textbook on convolutional neural networks.

Modules (each holds one concept):

- :mod:`cnnbook.utils`: seeding, device choice, timers.
- :mod:`cnnbook.data`: every dataset the book uses, offline by default.
- :mod:`cnnbook.scratch`: the from-scratch NumPy engine: every layer forward and
  backward, optimisers, ``Sequential`` and a gradient checker.
- :mod:`cnnbook.checks`: the argument checks every module uses (one rule, one wording).
- ``cnnbook._network`` (private): failing fast without a network, for the data and pre-trained weights.
- :mod:`cnnbook.train`: the one training loop, ``fit`` / ``evaluate``.
- :mod:`cnnbook.augment`: random translations of image batches, and batches that apply them
  afresh every epoch.
- :mod:`cnnbook.analysis`: output sizes, parameter and multiply-add counts, layer summaries,
  receptive fields (analytic and measured with autograd).
- :mod:`cnnbook.models`: the model zoo: LeNet-5 (faithful and modern), AlexNet,
  VGG and ResNet at full size (checked against torchvision) and small for the CPU;
  torchvision's pre-trained weights where they can be had (``cnnbook.models.pretrained``).
- :mod:`cnnbook.metrics`: evaluation measures, each checked against scikit-learn: confusion
  matrix, precision / recall / F1, top-k, ROC and AUC, calibration, face verification.
- :mod:`cnnbook.viz`: plotting helpers shared by the chapters.
- :mod:`cnnbook.deploy`: ONNX export and ONNX Runtime inference, int8 quantization, unstructured
  and channel pruning, compressed weights, file sizes and fair latency measurements.
- :mod:`cnnbook.distributed`: data-parallel training with DistributedDataParallel: ``fit`` under
  DDP, the ``torchrun`` worker script (``python -m cnnbook.distributed.worker``) and its launcher.
- :mod:`cnnbook.numerics`: floating-point rounding bounds, the tolerances for comparing two
  implementations of the same sums of products.
"""
__version__ = "0.1.0"

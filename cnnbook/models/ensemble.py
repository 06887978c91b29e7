"""An ensemble: several networks used as one, by averaging their outputs.

Networks trained from different seeds err in different places; the mean of
their outputs errs less often than a typical member where their errors are
not shared (Hansen and Salamon, 1990). Chapter 18 averages the logit maps of
five face detectors this way. This is not :class:`torch.optim.swa_utils.AveragedModel`,
which averages the *weights* of one network over its training.
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["Ensemble"]


class Ensemble(nn.Module):
    """The mean of the outputs of ``members``: any input -> the members' common output shape.

    Every member is called on the same input and must return a tensor of the
    same shape (for :class:`~cnnbook.models.faces.FaceWindowClassifier`
    members on ``N x 1 x H x W`` images: logit maps ``N x 1 x H' x W'``).

    Args:
        members: one or more networks.
    """

    def __init__(self, members: list[nn.Module] | tuple[nn.Module, ...]) -> None:
        super().__init__()
        members = list(members)
        if not members or not all(isinstance(member, nn.Module) for member in members):
            raise ValueError("members must be a non-empty list of torch.nn.Module, "
                             f"got {[type(member).__name__ for member in members]}")
        self.members = nn.ModuleList(members)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        outputs = [member(inputs) for member in self.members]
        if any(output.shape != outputs[0].shape for output in outputs):
            raise ValueError(f"members must return outputs of one shape, got {[tuple(o.shape) for o in outputs]}")
        return torch.stack(outputs).mean(dim=0)

"""Maximally activating patches: the pieces of input images that make one unit of a layer respond most.

A unit of a convolutional layer (one channel ``c`` at one position ``(i, j)``)
sees only its receptive field, a window of the input. Run the network over
many images, find where channel ``c`` of the layer responds most, and cut the
receptive field of that position out of the image: the patches show what the
unit's filter has learned to look for (Zeiler and Fergus, "Visualizing and
understanding convolutional networks", ECCV 2014, show such patches next to
their projections back to pixel space). The window comes from the analytic
receptive field (:func:`~cnnbook.analysis.receptive_field` and
:meth:`~cnnbook.analysis.ReceptiveFieldRow.input_region`), so every pixel that
can change the unit is in its patch, and no other.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..checks import as_int, check_image_batch, is_int
from .feature_maps import iterate_feature_maps
from .receptive_field import ReceptiveFieldRow, receptive_field

__all__ = ["TopPatches", "top_patches"]


@dataclass(frozen=True)
class TopPatches:
    """The ``k`` input patches on which one channel of a layer responds most, strongest first.

    Attributes:
        layer: the layer's qualified name.
        channel: the channel (feature map) of the layer.
        patches: ``k x C x r_h x r_w`` tensor, the receptive field of each
            chosen unit cut from its image; the part of a field that lies
            outside the image (in the zero padding) is filled with ``fill``.
        activations: ``k`` tensor, the unit's value on each patch, descending.
        image_indices: ``k`` long tensor, the index of each patch's image.
        units: ``k x 2`` long tensor, the position ``(i, j)`` of each unit in
            the layer's output.
        regions: ``k x 4`` long tensor, ``(top, left, bottom, right)`` of each
            patch in its image's coordinates, bottom and right exclusive, not
            clipped (negative or beyond the image where the field overhangs).
        field: the :class:`~cnnbook.analysis.ReceptiveFieldRow` of the layer.
    """

    layer: str
    channel: int
    patches: torch.Tensor
    activations: torch.Tensor
    image_indices: torch.Tensor
    units: torch.Tensor
    regions: torch.Tensor
    field: ReceptiveFieldRow

    def __len__(self) -> int:
        return len(self.activations)


def top_patches(
    model: nn.Module,
    layer: str,
    channel: int | Sequence[int],
    images: torch.Tensor,
    k: int = 9,
    *,
    one_per_image: bool = True,
    fill: float = 0.0,
    batch_size: int = 256,
) -> TopPatches | list[TopPatches]:
    """Find the ``k`` units of a channel of ``layer`` that respond most on ``images``, and cut out their fields.

    Runs ``model`` (evaluation mode, no gradients) over ``images`` once,
    records channel ``channel`` of the output of ``layer``, picks the ``k``
    largest values and cuts the receptive field of each from its image. The
    model must be a chain of layers up to ``layer`` (what follows, such as a
    classifier head, may be anything): the field comes from
    ``receptive_field(model, images.shape, until=layer)``.

    Args:
        model: an ``nn.Sequential`` (nesting allowed) whose layers up to
            ``layer`` are those :func:`~cnnbook.analysis.receptive_field`
            accepts.
        layer: qualified name of the layer (``"features.relu3"``).
        channel: the channel of that layer's output, or a sequence of
            channels (one forward pass serves them all).
        images: ``N x C x H x W`` float tensor (on any device).
        k: how many patches per channel.
        one_per_image: take at most one patch per image (its strongest
            position), so that the ``k`` patches come from ``k`` different
            images instead of neighbouring positions of the same one;
            ``False`` ranks all positions of all images together.
        fill: the value of pixels of a field that lie outside the image
            (0, like the zero padding the convolutions see).
        batch_size: images per forward pass.

    Returns:
        A :class:`TopPatches`, strongest first; for a sequence of channels, a
        list of them, one per channel in the same order.

    Raises:
        ValueError: if ``images`` is not ``N x C x H x W`` floats, ``layer``
            is not a layer of the chain (or the chain up to it has a layer
            whose receptive field cannot be followed), a channel is not a
            channel of its output, or ``k`` is not in ``1 .. number of
            candidates`` (images, or positions with ``one_per_image=False``).
    """
    check_image_batch(images)
    if not isinstance(layer, str) or not layer:
        raise ValueError(f"layer must be the qualified name of a layer (a non-empty str), got {layer!r}")
    single = is_int(channel)
    channels = [channel] if single else list(channel) if isinstance(channel, Sequence) else None
    if not channels or not all(is_int(c) for c in channels):
        raise ValueError(f"channel must be an int or a non-empty sequence of ints, got {channel!r}")
    field = receptive_field(model, tuple(images.shape), until=layer)[-1]
    if field.name != layer:  # `layer` named a nested chain: its output is the output of its last layer
        field = ReceptiveFieldRow(layer, field.kind, field.size, field.stride, field.padding, field.output_size)

    responses = []
    for batch in iterate_feature_maps(model, images, [layer], batch_size=batch_size):
        output = batch[layer]
        if output.dim() != 4:
            raise ValueError(f"layer {layer!r} returned a tensor of shape {tuple(output.shape)}, expected "
                             f"N x C x H x W")
        bad = [c for c in channels if not 0 <= c < output.shape[1]]
        if bad:
            raise ValueError(f"channel must be in [0, {output.shape[1]}) for layer {layer!r}, got {bad[0]!r}")
        responses.append(output[:, channels])
    response = torch.cat(responses)  # N x len(channels) x H' x W'
    n, _, height, width = response.shape
    candidates = n if one_per_image else n * height * width
    k = as_int("k", k, 1, candidates)  # at most the number of images (or of positions)
    results = [_cut(field, int(c), response[:, index], images, k, one_per_image, fill)
               for index, c in enumerate(channels)]
    return results[0] if single else results


def _cut(field: ReceptiveFieldRow, channel: int, response: torch.Tensor, images: torch.Tensor, k: int,
         one_per_image: bool, fill: float) -> TopPatches:
    """The top ``k`` units of one channel (``response``: N x H' x W') and their patches."""
    n, height, width = response.shape
    flat = response.reshape(n, -1)
    if one_per_image:
        best, position = flat.max(dim=1)  # the strongest position of each image
        values, image_indices = best.topk(k)
        positions = position[image_indices]
    else:
        values, index = flat.reshape(-1).topk(k)
        image_indices, positions = index // (height * width), index % (height * width)
    units = torch.stack([positions // width, positions % width], dim=1)

    regions = torch.tensor([field.input_region((int(i), int(j))) for i, j in units], dtype=torch.long)
    # pad the images by as much as any field overhangs them, then slice each field out of its padded image
    margin = int(max(0, -regions[:, :2].min().item(), (regions[:, 2] - images.shape[-2]).max().item(),
                     (regions[:, 3] - images.shape[-1]).max().item()))
    chosen = images[image_indices.to(images.device)].detach().cpu()
    if margin:
        chosen = F.pad(chosen, (margin,) * 4, value=float(fill))
    patches = torch.stack([image[:, top + margin:bottom + margin, left + margin:right + margin]
                           for image, (top, left, bottom, right) in zip(chosen, regions.tolist())])
    return TopPatches(layer=field.name, channel=channel, patches=patches, activations=values,
                      image_indices=image_indices, units=units, regions=regions, field=field)

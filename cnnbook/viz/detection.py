"""Drawing boxes, labels and masks over images (detection and segmentation chapters)."""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

__all__ = ["CLASS_COLOURS", "draw_boxes", "overlay_masks", "show_image"]

#: One colour per class label (label 0, the background, is never drawn).
CLASS_COLOURS = ("#000000", "#e41a1c", "#377eb8", "#ffd92f", "#4daf4a", "#984ea3", "#ff7f00")


def show_image(ax: plt.Axes, image: torch.Tensor, title: str | None = None) -> None:
    """Draw a ``3 x H x W`` (or ``H x W``) float image in ``[0, 1]`` without axes."""
    array = image.detach().cpu()
    array = array.permute(1, 2, 0).numpy() if array.ndim == 3 else array.numpy()
    ax.imshow(array, cmap="gray" if array.ndim == 2 else None, vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def draw_boxes(ax: plt.Axes, boxes: torch.Tensor, labels: torch.Tensor | None = None,
               scores: torch.Tensor | None = None, *, classes: Sequence[str] | None = None,
               colour: str | None = None, linewidth: float = 1.5, linestyle: str = "-", fontsize: float = 6) -> None:
    """Outline boxes ``K x 4`` (``xyxy``, pixel edges) on an image drawn with ``imshow``,
    coloured by label, captioned with the class name and score when given."""
    for k, box in enumerate(boxes.detach().cpu().tolist()):
        x1, y1, x2, y2 = box
        label = int(labels[k]) if labels is not None else None
        edge = colour or (CLASS_COLOURS[label % len(CLASS_COLOURS)] if label is not None else "white")
        ax.add_patch(plt.Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False, edgecolor=edge,
                                   linewidth=linewidth, linestyle=linestyle))
        text = []
        if label is not None and classes is not None:
            text.append(classes[label])
        if scores is not None:
            text.append(f"{float(scores[k]):.2f}")
        if text:
            ax.text(x1 - 0.5, y1 - 1.5, " ".join(text), color="black", fontsize=fontsize,
                    bbox={"facecolor": edge, "alpha": 0.8, "pad": 0.5, "linewidth": 0})


def overlay_masks(ax: plt.Axes, label_map: torch.Tensor, *, alpha: float = 0.5) -> None:
    """Colour each pixel of an ``H x W`` integer map by its label (0 left transparent)."""
    labels = label_map.detach().cpu().numpy()
    colours = np.zeros((*labels.shape, 4))
    for label in np.unique(labels):
        if label == 0:
            continue
        rgb = plt.matplotlib.colors.to_rgb(CLASS_COLOURS[int(label) % len(CLASS_COLOURS)])
        colours[labels == label] = (*rgb, alpha)
    ax.imshow(colours)

"""The U-Net's training loss: soft Dice against a hand computation, and its sum with the cross-entropy."""
import pytest
import torch
import torch.nn.functional as F

from cnnbook.models.unet import dice_loss, segmentation_loss


def test_dice_loss_equals_a_hand_computation():
    generator = torch.Generator().manual_seed(0)
    scores = torch.randn(2, 3, 5, 4, generator=generator)
    labels = torch.randint(0, 3, (2, 5, 4), generator=generator)
    p = scores.softmax(dim=1)
    dices = []
    for k in range(3):
        truth = (labels == k).float()
        dices.append((2 * (p[:, k] * truth).sum() + 1) / (p[:, k].sum() + truth.sum() + 1))
    assert torch.isclose(dice_loss(scores, labels), 1 - torch.stack(dices).mean(), atol=1e-6)


def test_dice_loss_is_near_zero_for_a_confident_right_answer_and_weighs_classes_equally():
    labels = torch.zeros(1, 8, 8, dtype=torch.int64)
    labels[0, 3:5, 3:5] = 1                                   # a small class: 4 pixels of 64
    right = 50 * F.one_hot(labels, 2).permute(0, 3, 1, 2).float()
    assert dice_loss(right, labels) < 1e-3
    everything_background = 50 * F.one_hot(torch.zeros_like(labels), 2).permute(0, 3, 1, 2).float()
    # missing the small class (1/16 of the pixels) costs almost half the loss: background Dice 121/125, small 1/5
    assert dice_loss(everything_background, labels).item() == pytest.approx(1 - (121 / 125 + 1 / 5) / 2, abs=1e-4)
    assert F.cross_entropy(everything_background, labels) > 0


def test_segmentation_loss_is_cross_entropy_plus_weighted_dice_and_has_gradients():
    generator = torch.Generator().manual_seed(1)
    scores = torch.randn(2, 4, 8, 8, generator=generator, requires_grad=True)
    labels = torch.randint(0, 4, (2, 8, 8), generator=generator)
    expected = F.cross_entropy(scores, labels) + 0.5 * dice_loss(scores, labels)
    loss = segmentation_loss(scores, labels, dice_weight=0.5)
    assert torch.isclose(loss, expected)
    assert torch.isclose(segmentation_loss(scores, labels, dice_weight=0), F.cross_entropy(scores, labels))
    loss.backward()
    assert scores.grad is not None and scores.grad.abs().sum() > 0


def test_segmentation_losses_refuse_bad_input():
    with pytest.raises(ValueError, match="N x K x H x W"):
        dice_loss(torch.zeros(4, 8, 8), torch.zeros(4, 8, dtype=torch.int64))
    with pytest.raises(ValueError, match="int64 N x H x W"):
        dice_loss(torch.zeros(1, 2, 8, 8), torch.zeros(1, 8, 7, dtype=torch.int64))
    with pytest.raises(ValueError, match="int64 N x H x W"):
        segmentation_loss(torch.zeros(1, 2, 8, 8), torch.zeros(1, 8, 8))
    with pytest.raises(ValueError, match="smooth"):
        dice_loss(torch.zeros(1, 2, 8, 8), torch.zeros(1, 8, 8, dtype=torch.int64), smooth=0)
    with pytest.raises(ValueError, match="dice_weight"):
        segmentation_loss(torch.zeros(1, 2, 8, 8), torch.zeros(1, 8, 8, dtype=torch.int64), dice_weight=-1)

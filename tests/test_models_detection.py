"""TinyYOLO (targets, loss, detections) and SmallUNet: shapes, encodings and bad input."""
import pytest
import torch

from cnnbook.data.scenes import make_scenes
from cnnbook.models import SmallUNet, TinyYOLO, yolo_detections, yolo_loss, yolo_loss_terms, yolo_targets
from cnnbook.vision import decode_boxes


def test_yolo_targets_encode_every_object_at_its_centre_cell():
    scenes = make_scenes(8, seed=0)
    model = TinyYOLO(num_classes=3)
    encoded = yolo_targets(scenes.targets, model)
    assert encoded.shape == (8, 8 * 8 * 3, 6)
    for target, rows in zip(scenes.targets, encoded):
        responsible = torch.nonzero(rows[:, 0] == 1).flatten()
        assert len(responsible) == len(target["boxes"])            # no two objects share an anchor here
        decoded = decode_boxes(rows[responsible, 1:5], model.anchors[responsible])
        order_found = sorted(map(tuple, decoded.round(decimals=3).tolist()))
        assert order_found == sorted(map(tuple, target["boxes"].round(decimals=3).tolist()))
        assert sorted(rows[responsible, 5].long().tolist()) == sorted(target["labels"].tolist())
        centres = (model.anchors[responsible, :2] + model.anchors[responsible, 2:]) / 2
        box_centres = (decoded[:, :2] + decoded[:, 2:]) / 2
        assert ((centres - box_centres).abs() <= model.stride / 2 + 1e-4).all()    # the centre's cell


def test_yolo_loss_and_detections():
    scenes = make_scenes(4, seed=1)
    torch.manual_seed(0)
    model = TinyYOLO(num_classes=3)
    outputs = model(scenes.images)
    assert outputs.shape == (4, 192, 8)
    encoded = yolo_targets(scenes.targets, model)
    terms = yolo_loss_terms(outputs, encoded)
    assert set(terms) == {"box", "object", "no_object", "class"}
    assert torch.isclose(yolo_loss(outputs, encoded), sum(terms.values()))
    yolo_loss(outputs, encoded).backward()
    assert all(p.grad is not None for p in model.parameters())
    # objectness starts near 1 %
    assert torch.allclose(torch.sigmoid(outputs[..., 4]).mean(), torch.tensor(0.01), atol=0.01)
    detections = yolo_detections(outputs.detach(), model.anchors, score_threshold=0.0)
    assert len(detections) == 4
    for found in detections:
        assert found["boxes"].shape[1] == 4 and len(found["boxes"]) == len(found["scores"]) == len(found["labels"])
        assert found["labels"].min() >= 1 and found["labels"].max() <= 3
        assert (found["scores"][:-1] >= found["scores"][1:]).all()
    with pytest.raises(ValueError, match="N x 3 x 64 x 64"):
        model(torch.zeros(1, 3, 32, 32))
    with pytest.raises(ValueError, match="multiple of 8"):
        TinyYOLO(image_size=60)


def test_small_unet_shapes():
    model = SmallUNet(in_channels=3, num_classes=4, width=4)
    assert model(torch.zeros(2, 3, 64, 64)).shape == (2, 4, 64, 64)
    assert model(torch.zeros(1, 3, 32, 48)).shape == (1, 4, 32, 48)
    with pytest.raises(ValueError, match="multiples of 4"):
        model(torch.zeros(1, 3, 30, 30))

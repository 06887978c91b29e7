"""cnnbook.data.scenes: seeded, consistent labels, split fixed by seed, COCO export readable by pycocotools."""
import contextlib
import io
import time

import numpy as np
import pytest
import torch
from scipy import ndimage

from cnnbook.data.scenes import SCENE_CLASSES, load_scenes, make_scenes


def test_same_seed_same_scenes_and_splits_differ():
    a, b = make_scenes(5, seed=3), make_scenes(5, seed=3)
    assert torch.equal(a.images, b.images)
    assert all(torch.equal(x["boxes"], y["boxes"]) for x, y in zip(a.targets, b.targets))
    train, val, test = load_scenes(20, 10, 10, seed=0)
    assert (len(train), len(val), len(test)) == (20, 10, 10)
    assert not torch.equal(train.images[:10], val.images) and not torch.equal(val.images, test.images)
    assert torch.equal(load_scenes(5, 10, 10, seed=0)[2].images, test.images)   # a part does not move with another's size


def test_labels_are_consistent():
    scenes = make_scenes(60, seed=1)
    assert scenes.images.shape == (60, 3, 64, 64) and scenes.images.dtype == torch.float32
    assert 0 <= scenes.images.min() and scenes.images.max() <= 1
    semantic = scenes.semantic_masks()
    for i, target in enumerate(scenes.targets):
        masks = target["masks"]
        assert masks.dtype == torch.bool and (masks.sum(0) <= 1).all()          # visible masks do not overlap
        assert ((semantic[i] > 0) == masks.any(0)).all()
        for mask, box, label, area in zip(masks, target["boxes"], target["labels"], target["area"]):
            ys, xs = torch.nonzero(mask, as_tuple=True)
            assert box.tolist() == [xs.min().item(), ys.min().item(), xs.max().item() + 1, ys.max().item() + 1]
            assert area == mask.sum() and 1 <= label < len(SCENE_CLASSES)
            assert ndimage.label(mask.numpy())[1] == 1                           # one connected piece
        for label in target["labels"].unique():                                  # same class: apart, countable
            assert ndimage.label((semantic[i] == label).numpy())[1] == int((target["labels"] == label).sum())
    assert scenes.counts().max() <= 4 and scenes.counts().min() >= 1


def test_generation_is_fast():
    start = time.process_time()                  # CPU time: wall time on a shared machine says little
    make_scenes(300, seed=2)
    assert time.process_time() - start < 3.0      # about 0.5 s of one core


def test_coco_export_reads_in_pycocotools():
    pytest.importorskip("pycocotools")
    from pycocotools import mask as mask_utils
    from pycocotools.coco import COCO

    scenes = make_scenes(4, seed=0)
    coco = COCO()
    coco.dataset = scenes.to_coco()
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    assert sorted(coco.getImgIds()) == [1, 2, 3, 4] and len(coco.getCatIds()) == len(SCENE_CLASSES) - 1
    annotation = coco.loadAnns(coco.getAnnIds(imgIds=[1]))[0]
    target = scenes.targets[0]
    assert np.array_equal(coco.annToMask(annotation).astype(bool), target["masks"][0].numpy())
    assert annotation["area"] == float(mask_utils.area(coco.annToRLE(annotation)))


def test_bad_arguments():
    with pytest.raises(ValueError, match="positive integer"):
        make_scenes(0)
    with pytest.raises(ValueError, match="extent_range"):
        make_scenes(2, size=32, extent_range=(8, 40))

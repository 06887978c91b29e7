"""top_patches against a brute-force search, the analytic field, and the unit's value on its patch alone."""
import pytest
import torch
from torch import nn

from cnnbook.analysis import TopPatches, receptive_field, top_patches

pytestmark = pytest.mark.usefixtures("single_thread")


def _model():
    torch.manual_seed(0)
    features = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU()))
    return nn.Sequential(features, nn.Flatten(), nn.Linear(4 * 6 * 6, 2)).eval()


def _images(n=40, size=12):
    torch.manual_seed(1)
    return torch.rand(n, 1, size, size)


def test_matches_a_brute_force_search_over_all_positions():
    model, images = _model(), _images()
    with torch.no_grad():
        response = model[0](images)[:, 2]  # N x 6 x 6: channel 2 of the last layer
    result = top_patches(model, "0.3.1", 2, images, k=7, one_per_image=False)
    assert isinstance(result, TopPatches) and len(result) == 7 and result.layer == "0.3.1"
    expected = response.flatten().sort(descending=True).values[:7]
    torch.testing.assert_close(result.activations, expected)
    for value, n, (i, j) in zip(result.activations, result.image_indices, result.units):
        assert response[n, i, j] == value


def test_one_patch_per_image_takes_each_image_at_its_strongest_unit():
    model, images = _model(), _images()
    with torch.no_grad():
        response = model[0](images)[:, 1]
    result = top_patches(model, "0.3.1", 1, images, k=10)
    assert len(set(result.image_indices.tolist())) == 10
    per_image = response.flatten(1).max(dim=1).values
    torch.testing.assert_close(result.activations, per_image.sort(descending=True).values[:10])


def test_patches_are_the_analytic_fields_and_hold_everything_the_unit_sees():
    model, images = _model(), _images()
    field = receptive_field(model[0], images.shape)[-1]
    # conv 3: r = 3, P = 1; pool 2: r = 3 + 1 = 4, S = 2; conv 3 at step 2: r = 4 + 2 * 2 = 8, P = 1 + 1 * 2 = 3
    assert (field.size, field.stride, field.padding) == (8, 2, 3)
    result = top_patches(model, "0.3.1", 0, images, k=12, one_per_image=False, fill=-1.0)
    assert result.patches.shape == (12, 1, 8, 8) and result.field.name == "0.3.1"
    assert (result.field.size, result.field.stride, result.field.padding) == (8, 2, 3)
    for patch, n, (i, j), region in zip(result.patches, result.image_indices, result.units, result.regions):
        top, left, bottom, right = field.input_region((int(i), int(j)))
        assert region.tolist() == [top, left, bottom, right]
        # the patch is the image cut at the region, with `fill` where the region leaves the image
        padded = nn.functional.pad(images[n], (8, 8, 8, 8), value=-1.0)
        assert torch.equal(patch, padded[:, top + 8:bottom + 8, left + 8:right + 8])
        # the unit sees nothing outside its patch: blank everything else and its value stays the same
        alone = torch.zeros_like(images[n:n + 1])
        t, l, b, r = max(top, 0), max(left, 0), min(bottom, 12), min(right, 12)
        alone[..., t:b, l:r] = images[n:n + 1, :, t:b, l:r]
        with torch.no_grad():
            torch.testing.assert_close(model[0](alone)[0, 0, i, j], model[0](images[n:n + 1])[0, 0, i, j])


def test_fields_that_overhang_the_image_are_filled():
    model, images = _model(), _images()
    result = top_patches(model, "0.3.1", 3, images, k=36 * 40, one_per_image=False, fill=-1.0)
    corner = [(n, p) for n, (i, j), p in zip(result.image_indices, result.units, result.patches)
              if (i, j) == (0, 0)]
    assert len(corner) == 40
    for _, patch in corner:  # unit (0, 0) sees rows and columns -3 .. 4: three of each are padding
        assert (patch[:, :3, :] == -1).all() and (patch[:, :, :3] == -1).all() and (patch[:, 3:, 3:] >= 0).all()


def test_several_channels_in_one_pass_and_nested_chain_names():
    model, images = _model(), _images()
    several = top_patches(model, "0.3", [0, 2], images, k=4)
    assert isinstance(several, list) and [r.channel for r in several] == [0, 2]
    for result in several:
        alone = top_patches(model, "0.3.1", result.channel, images, k=4)
        assert result.layer == "0.3"
        torch.testing.assert_close(result.activations, alone.activations)
        assert torch.equal(result.patches, alone.patches)
    # a layer before the end: the first convolution, 3 x 3 fields
    first = top_patches(model, "0.0", 0, images, k=3)
    assert first.patches.shape == (3, 1, 3, 3) and first.field.size == 3


class _Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 3, padding=1)

    def forward(self, x):
        return x + self.conv(x)


def test_bad_input():
    model, images = _model(), _images()
    with pytest.raises(ValueError, match="names no layer of the model"):
        top_patches(model, "0.7", 0, images)
    with pytest.raises(ValueError, match=r"channel must be in \[0, 4\) for layer '0.3.1', got 4"):
        top_patches(model, "0.3.1", 4, images)
    with pytest.raises(ValueError, match="channel must be an int or a non-empty sequence"):
        top_patches(model, "0.3.1", [], images)
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 40\], got 41"):
        top_patches(model, "0.3.1", 0, images, k=41)
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 1440\], got 0"):
        top_patches(model, "0.3.1", 0, images, k=0, one_per_image=False)
    with pytest.raises(ValueError, match="N x C x H x W"):
        top_patches(model, "0.3.1", 0, images[0])
    with pytest.raises(ValueError, match="layer must be the qualified name"):
        top_patches(model, 3, 0, images)
    with pytest.raises(ValueError, match="layer '0' is a _Residual"):
        top_patches(nn.Sequential(_Residual(), nn.Conv2d(1, 1, 3)), "1", 0, images)

"""Per-image affine distortions and the batches that draw them afresh every epoch."""
import pytest
import torch
import torch.nn.functional as F

from cnnbook.augment import AugmentedBatches, affine_warp, random_affine
from cnnbook.train import batches, fit


def shift_by_padding(image: torch.Tensor, dy: int, dx: int, fill: float) -> torch.Tensor:
    """``image`` (C x H x W) moved dy down and dx right by slicing a padded copy: an independent reference."""
    h, w = image.shape[-2:]
    s = max(abs(dy), abs(dx))
    padded = F.pad(image, (s, s, s, s), value=fill)
    return padded[..., s - dy:s - dy + h, s - dx:s - dx + w]


def blob(size: int = 33, sigma: float = 3.0) -> torch.Tensor:
    """A round Gaussian spot in the middle of a 1 x 1 x size x size image."""
    r = torch.arange(size, dtype=torch.float32) - size // 2
    return torch.exp(-(r.view(-1, 1) ** 2 + r.view(1, -1) ** 2) / (2 * sigma ** 2)).view(1, 1, size, size)


def centre_of_mass(images: torch.Tensor) -> torch.Tensor:
    """``N x 2`` (row, column) centres of mass of non-negative ``N x 1 x H x W`` images."""
    h, w = images.shape[-2:]
    mass = images[:, 0]
    rows = (mass.sum(2) * torch.arange(h)).sum(1) / mass.sum((1, 2))
    cols = (mass.sum(1) * torch.arange(w)).sum(1) / mass.sum((1, 2))
    return torch.stack([rows, cols], 1)


def test_without_parameters_the_warp_is_the_identity():
    images = torch.rand(3, 2, 7, 10)
    assert torch.allclose(affine_warp(images), images, atol=1e-6)


def test_whole_pixel_shifts_equal_slicing_and_fill_the_border():
    images = torch.rand(4, 2, 9, 12)
    shifts = torch.tensor([[1.0, -2.0], [0.0, 3.0], [-3.0, 0.0], [2.0, 2.0]])
    moved = affine_warp(images, shift=shifts, fill=-0.5)
    for image, result, (dy, dx) in zip(images, moved, shifts.int().tolist()):
        assert torch.allclose(result, shift_by_padding(image, dy, dx, -0.5), atol=1e-5)


def test_a_quarter_turn_equals_rot90_counter_clockwise():
    images = torch.rand(2, 3, 8, 8)
    turned = affine_warp(images, rotation=torch.tensor([90.0, -90.0]))
    assert torch.allclose(turned[0], torch.rot90(images[0], 1, dims=(-2, -1)), atol=1e-5)
    assert torch.allclose(turned[1], torch.rot90(images[1], -1, dims=(-2, -1)), atol=1e-5)


def test_shear_moves_a_pixel_below_the_centre_to_the_right():
    image = torch.zeros(1, 1, 17, 17)
    image[0, 0, 12, 8] = 1.0  # 4 rows below the centre pixel (8, 8)
    sheared = affine_warp(image, shear=torch.tensor([0.5]))  # x += 0.5 * y: 2 columns right
    assert torch.nonzero(sheared[0, 0] > 0.5).tolist() == [[12, 10]]


def test_scale_and_squeeze_change_the_area_as_defined():
    spot = blob()
    area = spot.sum()
    assert torch.allclose(affine_warp(spot, scale=torch.tensor([1.2])).sum() / area, torch.tensor(1.44), atol=0.01)
    squeezed = affine_warp(spot, squeeze=torch.tensor([1.25]))
    assert torch.allclose(squeezed.sum() / area, torch.tensor(1.0), atol=0.01)  # area kept
    # wider than tall: the spread along x grows by 1.25, along y shrinks by 1.25
    row_profile, col_profile = squeezed[0, 0].sum(1), squeezed[0, 0].sum(0)
    r = torch.arange(33, dtype=torch.float32) - 16
    spread_y = ((row_profile * r ** 2).sum() / row_profile.sum()).sqrt()
    spread_x = ((col_profile * r ** 2).sum() / col_profile.sum()).sqrt()
    assert torch.allclose(spread_x / spread_y, torch.tensor(1.25 ** 2), atol=0.02)


def test_random_translation_stays_in_range_and_differs_per_image():
    spots = blob().repeat(64, 1, 1, 1)
    moved = random_affine(spots, translate=3.0, generator=torch.Generator().manual_seed(0))
    offsets = centre_of_mass(moved) - 16
    assert offsets.abs().max() <= 3.0 + 1e-3
    assert offsets.abs().max() > 2.5  # the range is used, not only its middle
    assert len({tuple(o) for o in offsets.round(decimals=2).tolist()}) == 64
    assert torch.allclose(moved.sum((1, 2, 3)), spots.sum((1, 2, 3)), rtol=1e-3)  # only moved


def test_random_rotation_keeps_a_centred_spot_and_the_generator_repeats_draws():
    spots = blob().repeat(8, 1, 1, 1)
    turned = random_affine(spots, rotate=30.0)
    # a round spot looks the same at every angle, up to bilinear interpolation, whose error is at
    # most (1/8)(|f_xx| + |f_yy|) <= 2 / (8 sigma^2) ~ 0.028 for this spot of peak 1
    assert torch.allclose(turned, spots, atol=0.03)
    assert torch.allclose(centre_of_mass(turned), torch.full((8, 2), 16.0), atol=1e-3)
    images = torch.rand(5, 1, 12, 12)
    draw = lambda seed: random_affine(images, translate=2, rotate=10, scale=0.1, squeeze=0.1, shear=0.2,
                                      generator=torch.Generator().manual_seed(seed))
    assert torch.equal(draw(3), draw(3)) and not torch.equal(draw(3), draw(4))
    assert torch.allclose(random_affine(images), images, atol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    (dict(images=torch.rand(2, 6, 6)), "N x C x H x W"),
    (dict(images=torch.zeros(2, 1, 6, 6, dtype=torch.long)), "float"),
    (dict(images=torch.rand(2, 1, 6, 6), translate=-1), "translate"),
    (dict(images=torch.rand(2, 1, 6, 6), rotate=200), "rotate"),
    (dict(images=torch.rand(2, 1, 6, 6), scale=1.0), "scale"),
    (dict(images=torch.rand(2, 1, 6, 6), squeeze=-0.1), "squeeze"),
    (dict(images=torch.rand(2, 1, 6, 6), shear=True), "shear"),
])
def test_random_affine_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        random_affine(**kwargs)


def test_affine_warp_rejects_bad_parameters():
    with pytest.raises(ValueError, match="shift must have shape"):
        affine_warp(torch.rand(2, 1, 6, 6), shift=torch.zeros(2))
    with pytest.raises(ValueError, match="rotation must have shape"):
        affine_warp(torch.rand(2, 1, 6, 6), rotation=torch.zeros(3))
    with pytest.raises(ValueError, match="positive"):
        affine_warp(torch.rand(2, 1, 6, 6), scale=torch.tensor([1.0, 0.0]))


def test_augmented_batches_cover_every_sample_once_per_pass_with_fresh_draws():
    images = torch.arange(10.0).view(10, 1, 1, 1).expand(10, 1, 3, 3).contiguous()
    labels = torch.arange(10)
    calls = []

    def transform(batch):
        calls.append(len(batch))
        return batch + 100.0

    data = AugmentedBatches(images, labels, 4, transform, generator=torch.Generator().manual_seed(0))
    assert len(data) == 3
    first = list(data)
    assert [len(y) for _, y in first] == [4, 4, 2] and calls == [4, 4, 2]
    seen = torch.cat([y for _, y in first])
    assert sorted(seen.tolist()) == list(range(10))
    for x, y in first:  # the transform was applied and labels still match their images
        assert torch.equal(x[:, 0, 0, 0], y.float() + 100.0)
    second = torch.cat([y for _, y in data])
    assert not torch.equal(seen, second)  # reshuffled at the next pass
    assert torch.equal(images[:, 0, 0, 0], torch.arange(10.0))  # the stored images are untouched


def test_fit_applies_the_transform_instead_of_slicing_the_tensors_itself():
    # The augmented batches hold public images/labels tensors, but they are batches already:
    # cnnbook.train.batches must pass them through (by type), so that the transform runs.
    applied = []
    data = AugmentedBatches(torch.rand(8, 1, 4, 4), torch.randint(0, 2, (8,)), 4,
                            lambda x: applied.append(1) or x)
    assert batches(data, shuffle=True) is data
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 2))
    fit(model, data, epochs=2, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), device="cpu", progress=False)
    assert len(applied) == 4


@pytest.mark.parametrize("kwargs, match", [
    (dict(images=torch.rand(4, 4, 4), labels=torch.zeros(4), batch_size=2), "N x C x H x W"),
    (dict(images=torch.rand(4, 1, 4, 4), labels=torch.zeros(3), batch_size=2), "labels"),
    (dict(images=torch.rand(4, 1, 4, 4), labels=torch.zeros(4), batch_size=0), "batch_size"),
])
def test_augmented_batches_reject_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AugmentedBatches(transform=lambda x: x, **kwargs)

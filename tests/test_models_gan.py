"""The DCGAN of cnnbook.models.gan: shapes, ranges, initialisation and the two losses against their formulas."""
import math

import pytest
import torch

from cnnbook.models.gan import (DCGANDiscriminator, DCGANGenerator, dcgan_init, discriminator_loss, generator_loss,
                                truncated_noise)


def test_shapes_and_ranges():
    torch.manual_seed(0)
    generator, discriminator = DCGANGenerator(latent_dim=16, width=8), DCGANDiscriminator(width=8)
    images = generator(torch.randn(5, 16))
    assert images.shape == (5, 1, 28, 28) and images.abs().max() <= 1
    assert discriminator(images).shape == (5,)
    sample = generator.sample(3, generator=torch.Generator().manual_seed(0))
    assert sample.shape == (3, 1, 28, 28) and generator.training  # sample() restores the mode
    assert torch.equal(sample, generator.sample(3, generator=torch.Generator().manual_seed(0)))


def test_truncated_noise():
    z = truncated_noise(2000, 16, 1.0, generator=torch.Generator().manual_seed(0))
    assert z.shape == (2000, 16) and z.dtype == torch.float32 and z.abs().max() <= 1.0
    # a standard normal truncated to [-1, 1] has variance 1 - 2 phi(1) / (2 Phi(1) - 1) = 0.2911
    assert abs(z.var().item() - 0.2911) < 0.01
    generator = DCGANGenerator(latent_dim=16, width=8)
    a = generator.sample(4, generator=torch.Generator().manual_seed(1), truncation=0.5)
    b = generator.sample(4, generator=torch.Generator().manual_seed(1), truncation=0.5)
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match="threshold"):
        truncated_noise(3, 16, 0.0)


def test_dcgan_init_statistics():
    torch.manual_seed(0)
    generator = DCGANGenerator(width=32)
    generator.apply(dcgan_init)
    weight = generator.up1[0].weight
    assert abs(weight.mean().item()) < 2e-3 and abs(weight.std().item() - 0.02) < 1e-3
    batchnorm = generator.up1[1]
    assert abs(batchnorm.weight.mean().item() - 1) < 0.01 and torch.all(batchnorm.bias == 0)


def test_losses_match_their_formulas():
    real, fake = torch.tensor([2.0, -0.5, 0.3]), torch.tensor([-1.0, 0.4, 1.5])
    d_real, d_fake = torch.sigmoid(real), torch.sigmoid(fake)
    expected_d = -(torch.log(d_real).mean() + torch.log(1 - d_fake).mean())
    assert torch.allclose(discriminator_loss(real, fake), expected_d)
    assert torch.allclose(generator_loss(fake), -torch.log(d_fake).mean())
    assert torch.allclose(generator_loss(fake, saturating=True), torch.log(1 - d_fake).mean())
    # one-sided label smoothing: the real target becomes 0.9, the generated one stays 0
    expected_smooth = -((0.9 * torch.log(d_real) + 0.1 * torch.log(1 - d_real)).mean() + torch.log(1 - d_fake).mean())
    assert torch.allclose(discriminator_loss(real, fake, real_label=0.9), expected_smooth)
    # at the game's solution, D = 1/2 everywhere
    half = torch.zeros(4)
    assert math.isclose(discriminator_loss(half, half).item(), 2 * math.log(2), rel_tol=1e-6)


def test_bad_inputs():
    with pytest.raises(ValueError, match="latent_dim"):
        DCGANGenerator(latent_dim=0)
    with pytest.raises(ValueError, match="z must be N x 64"):
        DCGANGenerator()(torch.randn(2, 10))
    with pytest.raises(ValueError, match="28 x 28"):
        DCGANDiscriminator()(torch.randn(2, 1, 32, 32))
    with pytest.raises(ValueError, match="real_label"):
        discriminator_loss(torch.zeros(2), torch.zeros(2), real_label=0.3)


def test_discriminator_traces_with_its_input_check():
    from torchvision.models.feature_extraction import create_feature_extractor

    torch.manual_seed(0)
    discriminator = DCGANDiscriminator(width=8).eval()
    extractor = create_feature_extractor(discriminator, {"features": "maps", "flatten": "logits"})
    images = torch.rand(3, 1, 28, 28) * 2 - 1
    with torch.no_grad():
        out = extractor(images)
        assert out["maps"].shape == (3, 16, 7, 7)
        assert torch.equal(out["logits"], discriminator(images))
    # the shape check is recorded in the traced graph (torch._assert), not lost at tracing time
    with pytest.raises(Exception, match="expects"):
        extractor(torch.rand(2, 1, 32, 32))


def test_noise_default_is_standard_normal():
    generator = DCGANGenerator(latent_dim=16, width=8)
    z = generator.noise(5, generator=torch.Generator().manual_seed(3))
    assert z.shape == (5, 16) and z.dtype == torch.float32
    assert torch.equal(z, torch.randn(5, 16, generator=torch.Generator().manual_seed(3)))
    assert torch.equal(generator.noise_means, torch.zeros(1, 16))


def test_mixture_noise():
    generator = DCGANGenerator(latent_dim=64, width=8, noise_components=30, noise_radius=8.0, noise_seed=5)
    means = generator.noise_means
    assert means.shape == (30, 64) and torch.allclose(means.norm(dim=1), torch.full((30,), 8.0))
    assert torch.equal(means, DCGANGenerator(latent_dim=64, width=8, noise_components=30, noise_seed=5).noise_means)
    assert not torch.equal(means, DCGANGenerator(latent_dim=64, width=8, noise_components=30, noise_seed=6).noise_means)
    z = generator.noise(6000, generator=torch.Generator().manual_seed(0))
    # every z lies next to one centre: the offset from the nearest centre is a standard normal
    nearest = torch.cdist(z, means).argmin(dim=1)
    offsets = z - means[nearest]
    assert abs(offsets.mean().item()) < 0.01 and abs(offsets.var().item() - 1.0) < 0.02
    counts = torch.bincount(nearest, minlength=30)
    assert counts.min() > 150 and counts.max() < 250  # about 200 each: the components are equally likely
    # the pieces are separate: between two centres the noise density is tiny
    gap = torch.cdist(means, means)[~torch.eye(30, dtype=torch.bool)].min()
    assert gap > 8.0
    truncated = generator.noise(500, generator=torch.Generator().manual_seed(0), truncation=1.0)
    assert (truncated - means[torch.cdist(truncated, means).argmin(dim=1)]).abs().max() <= 1.0
    assert generator.sample(3, generator=torch.Generator().manual_seed(0)).shape == (3, 1, 28, 28)
    # the centres travel with the model's state
    assert "noise_means" in generator.state_dict()


@pytest.mark.parametrize("kwargs, message", [({"noise_components": 1}, "noise_components"),
                                              ({"noise_components": 10, "noise_radius": 0.0}, "noise_radius"),
                                              ({"noise_components": 10, "noise_seed": -1}, "noise_seed")])
def test_mixture_noise_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DCGANGenerator(latent_dim=16, width=8, **kwargs)

"""A DCGAN (Radford, Metz and Chintala, 2015) sized for 28 x 28 greyscale digits.

A generative adversarial network (Goodfellow et al., 2014) trains two
networks against each other: a *generator* ``G`` that maps a noise vector
``z`` to an image, and a *discriminator* ``D`` that maps an image to the
logit of the probability that it is real. The DCGAN paper's guidelines for
making that game train stably with convolutions are followed here:

- no pooling: the discriminator downsamples with strided convolutions, the
  generator upsamples with transposed (fractionally strided) convolutions;
- batch normalisation in both networks, except at the generator's output
  layer and the discriminator's input layer;
- no fully connected hidden layers (the generator's first layer projects
  ``z`` to a small stack of feature maps, the discriminator's last layer
  reads its last feature maps into one number);
- ReLU in the generator with ``tanh`` at its output (images in ``[-1, 1]``),
  LeakyReLU with slope 0.2 in the discriminator;
- every weight drawn from a normal distribution with mean 0 and standard
  deviation 0.02 (:func:`dcgan_init`).

The paper's networks produce 64 x 64 images through four stages; for
28 x 28 digits two stages (7 -> 14 -> 28) suffice, and ``width`` sets the
number of feature maps so that a CPU can train it in a minute.
"""
from __future__ import annotations

import torch
from torch import nn

from cnnbook.checks import as_int, as_number, check_images

__all__ = ["DCGANDiscriminator", "DCGANGenerator", "dcgan_init", "discriminator_loss", "generator_loss",
           "truncated_noise"]


class DCGANGenerator(nn.Module):
    """Noise ``N x latent_dim`` (float32) -> images ``N x channels x 28 x 28`` in ``[-1, 1]``.

    Layers: a transposed convolution that projects ``z`` (seen as
    ``latent_dim x 1 x 1``) to ``2 width x 7 x 7``; a transposed convolution to
    ``width x 14 x 14``; a transposed convolution to ``channels x 28 x 28``
    followed by ``tanh``. Batch normalisation and ReLU after the first two.

    The generator also owns its noise distribution ``p_z`` (:meth:`noise`):
    by default the standard normal ``N(0, I)``; with ``noise_components=K``
    a mixture of ``K`` standard normals of equal weight, ``z = mu_k + eps``
    with ``k`` uniform over ``0 .. K-1`` and ``eps ~ N(0, I)``, whose centres
    ``mu_k`` are fixed random directions of length ``noise_radius`` (drawn
    once from ``noise_seed``, stored as the buffer ``noise_means``, ``K x
    latent_dim``). Far-apart centres cut the noise space into separate
    pieces, which a continuous generator can map onto separate kinds of
    image without passing through in-between shapes. This is the mixture
    prior of DeLiGAN (Gurumurthy, Sarvadevabhatla and Babu, 2017) with its
    centres and scales fixed instead of learned. Chapter 23 measures what it
    buys (digits a classifier recognises more often) and what it costs (less
    varied digits: each piece tends to draw one shape).

    Args:
        latent_dim: length of the noise vector ``z``.
        width: feature maps of the last hidden stage (the first has twice as many).
        channels: image channels (1 for greyscale).
        noise_components: ``None`` for ``N(0, I)`` noise, else the number ``K >= 2`` of mixture components.
        noise_radius: distance of every component's centre from the origin (unused for ``N(0, I)``).
        noise_seed: seed of the random directions of the centres.
    """

    def __init__(self, latent_dim: int = 64, width: int = 32, channels: int = 1, *,
                 noise_components: int | None = None, noise_radius: float = 8.0, noise_seed: int = 0) -> None:
        super().__init__()
        self.latent_dim = as_int("latent_dim", latent_dim)
        width, channels = as_int("width", width), as_int("channels", channels)
        if noise_components is None:
            means = torch.zeros(1, self.latent_dim)  # N(0, I): a "mixture" of one component at the origin
        else:
            components = as_int("noise_components", noise_components, minimum=2)
            radius = as_number("noise_radius", noise_radius, 0, strict_minimum=True)
            seed = torch.Generator().manual_seed(as_int("noise_seed", noise_seed, minimum=0))
            directions = torch.randn(components, self.latent_dim, generator=seed)
            means = radius * directions / directions.norm(dim=1, keepdim=True)
        self.register_buffer("noise_means", means)
        self.project = nn.Sequential(  # 1 x 1 -> 7 x 7
            nn.ConvTranspose2d(latent_dim, 2 * width, kernel_size=7, bias=False),
            nn.BatchNorm2d(2 * width), nn.ReLU(inplace=True))
        self.up1 = nn.Sequential(  # 7 x 7 -> 14 x 14
            nn.ConvTranspose2d(2 * width, width, kernel_size=4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(width), nn.ReLU(inplace=True))
        self.up2 = nn.Sequential(  # 14 x 14 -> 28 x 28
            nn.ConvTranspose2d(width, channels, kernel_size=4, stride=2, padding=1), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must be N x {self.latent_dim}, got shape {tuple(z.shape)}")
        return self.up2(self.up1(self.project(z[:, :, None, None])))

    def noise(self, n: int, generator: torch.Generator | None = None,
              truncation: float | None = None) -> torch.Tensor:
        """``n`` noise vectors ``n x latent_dim`` (float32) from the generator's ``p_z``, on its device.

        They are drawn on the CPU from ``generator`` (PyTorch's global one if
        ``None``), so that a seed gives the same vectors on every device.
        ``truncation``: ``None`` for untruncated noise, else a threshold for
        :func:`truncated_noise`, applied to ``eps`` (the offset from the
        component's centre).
        """
        n = as_int("n", n)
        if truncation is None:
            z = torch.randn(n, self.latent_dim, generator=generator)
        else:
            z = truncated_noise(n, self.latent_dim, truncation, generator=generator)
        means = self.noise_means.cpu()
        if len(means) > 1:
            z = z + means[torch.randint(len(means), (n,), generator=generator)]
        return z.to(self.noise_means.device)

    def sample(self, n: int, generator: torch.Generator | None = None,
               truncation: float | None = None) -> torch.Tensor:
        """``n`` images from fresh noise of :meth:`noise` (on the model's device), in evaluation mode."""
        z = self.noise(n, generator=generator, truncation=truncation)
        was_training = self.training
        self.eval()
        with torch.no_grad():
            images = self(z)
        self.train(was_training)
        return images


class DCGANDiscriminator(nn.Module):
    """Images ``N x channels x 28 x 28`` in ``[-1, 1]`` -> logits ``N`` (float32) of "real".

    Layers: a strided convolution to ``width x 14 x 14`` (no batch
    normalisation on the input layer), a strided convolution to
    ``2 width x 7 x 7`` with batch normalisation, LeakyReLU(0.2) after both,
    and a ``7 x 7`` convolution that reads the maps into one logit. The
    sigmoid is left to the loss (``binary_cross_entropy_with_logits``),
    which computes it stably.

    Args:
        width: feature maps of the first stage (the second has twice as many).
        channels: image channels.
    """

    def __init__(self, width: int = 32, channels: int = 1) -> None:
        super().__init__()
        width, self.channels = as_int("width", width), as_int("channels", channels)
        self.features = nn.Sequential(
            nn.Conv2d(channels, width, kernel_size=4, stride=2, padding=1),  # 28 -> 14
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(width, 2 * width, kernel_size=4, stride=2, padding=1, bias=False),  # 14 -> 7
            nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2, inplace=True))
        self.read = nn.Conv2d(2 * width, 1, kernel_size=7)  # 7 x 7 -> 1 x 1

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        check_images("DCGANDiscriminator", images, self.channels, size=28)  # traceable (torch.fx)
        return self.read(self.features(images)).flatten()


def truncated_noise(n: int, latent_dim: int, threshold: float,
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """Noise ``n x latent_dim`` (float32, CPU) from a standard normal truncated to ``[-threshold, threshold]``.

    The *truncation trick* of Brock, Donahue and Simonyan (2019, BigGAN):
    every entry whose magnitude exceeds ``threshold`` is drawn again until
    none does. Smaller thresholds keep ``z`` nearer the centre of the noise
    distribution, where the generator was trained most, and trade variety
    for fidelity.
    """
    n, latent_dim = as_int("n", n), as_int("latent_dim", latent_dim)
    threshold = as_number("threshold", threshold, 0, strict_minimum=True)
    z = torch.randn(n, latent_dim, generator=generator)
    while (outside := z.abs() > threshold).any():
        z[outside] = torch.randn(int(outside.sum()), generator=generator)
    return z


def dcgan_init(module: nn.Module) -> None:
    """DCGAN's initialisation, for ``module.apply``: convolution weights ~ N(0, 0.02),
    batch-normalisation scales ~ N(1, 0.02), biases 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, *,
                       real_label: float = 1.0) -> torch.Tensor:
    """The discriminator's loss ``-[log D(x) + log(1 - D(G(z)))]``, averaged, from logits (``N`` each).

    ``real_label`` below 1 is *one-sided label smoothing* (Salimans et al.,
    2016): the real images' target becomes ``real_label`` (0.9, say), so the
    loss on them is the cross-entropy
    ``-[real_label log D(x) + (1 - real_label) log(1 - D(x))]`` and the
    discriminator is no longer pushed towards ever larger logits on real
    images; the generated images' target stays 0.
    """
    real_label = as_number("real_label", real_label, 0.5, 1, strict_minimum=True)
    bce = nn.functional.binary_cross_entropy_with_logits
    return (bce(real_logits, torch.full_like(real_logits, float(real_label)))
            + bce(fake_logits, torch.zeros_like(fake_logits)))


def generator_loss(fake_logits: torch.Tensor, *, saturating: bool = False) -> torch.Tensor:
    """The generator's loss from the discriminator's logits on generated images (``N``).

    ``saturating=False`` (the default) is the non-saturating loss
    ``-log D(G(z))`` that Goodfellow et al. recommend in practice;
    ``saturating=True`` is the minimax game's own term ``log(1 - D(G(z)))``,
    whose gradient vanishes when ``D`` confidently rejects the samples.
    """
    if saturating:
        return -nn.functional.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return nn.functional.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))

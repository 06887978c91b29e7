"""LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998), faithful and modern.

The network of "Gradient-based learning applied to document recognition"
(Proc. IEEE 86(11), 1998, section II.B) reads a 32 x 32 image through seven
layers whose names this module keeps::

    input 1x32x32
      C1  convolution, 6 maps 5x5          -> 6x28x28
      S2  subsampling 2x2                  -> 6x14x14
      C3  convolution, 16 maps 5x5,
          partially connected (Table I)    -> 16x10x10
      S4  subsampling 2x2                  -> 16x5x5
      C5  convolution, 120 maps 5x5        -> 120x1x1  (flattened to 120)
      F6  fully connected, 84 units        -> 84
      output  10 Euclidean RBF units       -> 10

Two variants are built by :func:`lenet5`:

``"faithful"``
    the paper's network: the squashing function ``f(a) = A tanh(S a)`` with
    ``A = 1.7159`` and ``S = 2/3`` after every layer up to F6; *trainable*
    subsampling (each S-unit adds up its 2 x 2 window, multiplies the sum by
    a trainable coefficient, adds a trainable bias, then squashes: two
    parameters per map); C3 wired by the paper's connection table; an output
    layer of Euclidean radial basis function (RBF) units whose parameter
    vectors are fixed +-1 drawings of the digits on a 7 x 12 grid; weights
    initialised uniformly in ``[-2.4 / F, 2.4 / F]`` with ``F`` the unit's
    fan-in (the paper's appendix C). Its trainable parameters per layer are
    exactly the paper's (:data:`LENET5_PAPER_PARAMETERS`, 60,000 in all) and
    so are its connections (:data:`LENET5_PAPER_CONNECTIONS`, 340,908).

``"modern"``
    the same layers as most courses teach them today: ReLU, 2 x 2 max
    pooling, a fully connected C3 and a linear output layer read by a
    softmax cross-entropy loss.

Documented departures from the paper:

- The paper's RBF prototypes are drawn in its Fig. 3 but not listed as
  numbers; :data:`DIGIT_PROTOTYPES` are our own 7 x 12 drawings of the ten
  digits, in the same spirit (+1 for ink, -1 for background).
- The RBF layer returns *scores* ``-y_i`` (minus the paper's penalties
  ``y_i = sum_j (x_j - w_ij)^2``), so that the largest score is the
  prediction and ``cross_entropy(scores, labels)`` is the paper's
  maximum-a-posteriori criterion (its eq. 9) without the constant "rubbish
  class" term; :func:`map_criterion` keeps that term for a faithful loss.
- The paper trained with a stochastic diagonal Levenberg-Marquardt method;
  that is the optimiser's business, not the model's.
"""
from __future__ import annotations

import math
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from ..checks import check_choice, check_images, as_int

__all__ = [
    "C3_CONNECTIONS",
    "DIGIT_PROTOTYPES",
    "LENET5_PAPER_CONNECTIONS",
    "LENET5_PAPER_PARAMETERS",
    "LENET5_VARIANTS",
    "EuclideanRBF",
    "LeNet5",
    "PartiallyConnectedConv2d",
    "ScaledTanh",
    "TrainableSubsampling",
    "c3_connection_table",
    "digit_prototypes",
    "lenet5",
    "lenet5_input",
    "map_criterion",
]

LENET5_VARIANTS = ("faithful", "modern")
LENET5_LAYERS = ("C1", "S2", "C3", "S4", "C5", "F6", "output")

#: Trainable parameters per layer, as given in section II.B of the paper. The
#: paper's output layer has no trainable parameters (its RBF prototypes are
#: fixed), which is why the six layers add up to its "60,000 trainable free
#: parameters".
LENET5_PAPER_PARAMETERS: dict[str, int] = {
    "C1": 156,
    "S2": 12,
    "C3": 1_516,
    "S4": 32,
    "C5": 48_120,
    "F6": 10_164,
    "output": 0,
}

#: Connections per layer, as given in section II.B. The paper gives no number
#: for the output layer; its 84 x 10 = 840 inputs make up the difference
#: between the six listed layers (340,068) and the total it states, 340,908.
LENET5_PAPER_CONNECTIONS: dict[str, int] = {
    "C1": 122_304,
    "S2": 5_880,
    "C3": 151_600,
    "S4": 2_000,
    "C5": 48_120,
    "F6": 10_164,
    "output": 840,
}

#: The paper's Table I, read column by column: for each of C3's 16 feature maps,
#: the S2 maps (numbered 0-5) it takes its input from. The first six maps see
#: three neighbouring S2 maps, the next six see four neighbouring maps, the
#: next three see four maps that are not all neighbours, and the last map sees
#: all six. "Neighbouring" wraps around: map 4 sees S2 maps 4, 5 and 0.
C3_CONNECTIONS: tuple[tuple[int, ...], ...] = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)


def c3_connection_table() -> torch.Tensor:
    """The paper's Table I as a boolean matrix.

    Returns:
        Bool tensor of shape ``6 x 16`` laid out as in the paper: row ``i`` is
        S2's map ``i``, column ``j`` is C3's map ``j``, and ``table[i, j]`` is
        ``True`` when C3 map ``j`` takes input from S2 map ``i``. It has 60
        ``True`` entries: 6 columns of 3, 9 of 4 and 1 of 6.
    """
    table = torch.zeros(6, 16, dtype=torch.bool)
    for output_map, input_maps in enumerate(C3_CONNECTIONS):
        table[list(input_maps), output_map] = True
    return table


# --------------------------------------------------------------------------- the RBF prototypes

# Our own drawings of the ten digits on the paper's 7-wide, 12-high grid:
# "#" is ink (+1), "." is background (-1).
_DIGIT_DRAWINGS: dict[int, tuple[str, ...]] = {
    0: (".......", "..###..", ".#...#.", "#.....#", "#.....#", "#.....#",
        "#.....#", "#.....#", "#.....#", ".#...#.", "..###..", "......."),
    1: (".......", "...#...", "..##...", ".#.#...", "...#...", "...#...",
        "...#...", "...#...", "...#...", "...#...", ".#####.", "......."),
    2: (".......", "..###..", ".#...#.", "#.....#", "......#", ".....#.",
        "....#..", "...#...", "..#....", ".#.....", "#######", "......."),
    3: (".......", "#######", ".....#.", "....#..", "...#...", "..####.",
        "......#", "......#", "......#", "#.....#", ".#####.", "......."),
    4: (".......", ".....#.", "....##.", "...#.#.", "..#..#.", ".#...#.",
        "#....#.", "#######", ".....#.", ".....#.", ".....#.", "......."),
    5: (".......", "#######", "#......", "#......", "######.", "......#",
        "......#", "......#", "......#", "#.....#", ".#####.", "......."),
    6: (".......", "....##.", "...#...", "..#....", ".#.....", "#.####.",
        "##....#", "#.....#", "#.....#", "#.....#", ".#####.", "......."),
    7: (".......", "#######", "......#", ".....#.", ".....#.", "....#..",
        "....#..", "...#...", "...#...", "..#....", "..#....", "......."),
    8: (".......", ".#####.", "#.....#", "#.....#", "#.....#", ".#####.",
        "#.....#", "#.....#", "#.....#", "#.....#", ".#####.", "......."),
    9: (".......", ".#####.", "#.....#", "#.....#", "#.....#", "#....##",
        ".####.#", "......#", "......#", ".....#.", ".####..", "......."),
}


def digit_prototypes() -> torch.Tensor:
    """The output layer's fixed parameter vectors: one +-1 drawing per digit.

    Returns:
        Float tensor ``10 x 84``: row ``k`` is the 12 x 7 drawing of digit
        ``k`` read row by row, +1 for ink and -1 for background. Reshape a row
        to ``12 x 7`` to look at it.
    """
    rows = []
    for digit in range(10):
        drawing = _DIGIT_DRAWINGS[digit]
        pixels = [1.0 if char == "#" else -1.0 for line in drawing for char in line]
        rows.append(pixels)
    return torch.tensor(rows)


#: ``digit_prototypes()`` computed once (a ``10 x 84`` float tensor of +-1).
DIGIT_PROTOTYPES = digit_prototypes()


# --------------------------------------------------------------------------- the building blocks


class ScaledTanh(nn.Module):
    """The paper's squashing function ``f(a) = A tanh(S a)`` (its eq. 6 and appendix A).

    With ``A = 1.7159`` and ``S = 2/3`` it satisfies ``f(1) = 1`` and
    ``f(-1) = -1``, and its second derivative is largest at ``a = +-1``, so
    targets of +-1 sit where the function still bends rather than in its flat
    tails.

    Shape: any; applied element-wise.
    """

    def __init__(self, amplitude: float = 1.7159, slope: float = 2.0 / 3.0) -> None:
        super().__init__()
        self.amplitude, self.slope = amplitude, slope

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        return self.amplitude * torch.tanh(self.slope * a)

    def extra_repr(self) -> str:
        return f"amplitude={self.amplitude}, slope={self.slope:.4f}"


class TrainableSubsampling(nn.Module):
    """LeNet-5's S-layers: the sum over each 2 x 2 window, times a coefficient, plus a bias.

    Map ``c`` computes ``coefficient[c] * (x1 + x2 + x3 + x4) + bias[c]`` over
    non-overlapping ``size x size`` windows: an average pooling whose scale
    and offset are learned, one pair per map (the squashing follows in the
    layer's own module). Two parameters per map: S2 has 12, S4 has 32.

    Args:
        channels: number of feature maps ``C``.
        size: window side and stride (2 in the paper).

    Shape:
        input ``N x C x H x W`` -> output ``N x C x H/size x W/size`` (rounded down).
    """

    def __init__(self, channels: int, size: int = 2) -> None:
        super().__init__()
        as_int("channels", channels)
        as_int("size", size)
        self.size = size
        self.coefficient = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        window_sum = F.avg_pool2d(x, self.size) * (self.size * self.size)
        return window_sum * self.coefficient.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)

    def extra_repr(self) -> str:
        return f"channels={self.coefficient.numel()}, size={self.size}"


class PartiallyConnectedConv2d(nn.Module):
    """A convolution in which output map ``j`` only sees the input maps ``table[:, j]`` selects.

    Only the kernels of connected (input, output) pairs exist as parameters:
    they are stored packed, one ``k x k`` kernel per ``True`` entry of the
    table, and scattered into a dense weight (zeros elsewhere) before one
    ordinary convolution. The parameter count is therefore exactly the
    paper's: ``k * k`` per connection plus one bias per output map.

    Args:
        table: bool tensor ``C_in x C_out``; ``table[i, j]`` connects input map
            ``i`` to output map ``j``. Every output map needs one input at least.
        kernel_size: side ``k`` of the square kernels.
        padding: zero padding on each side, as in ``nn.Conv2d``.

    Shape:
        input ``N x C_in x H x W`` -> output ``N x C_out x (H + 2p - k + 1) x (W + 2p - k + 1)``.

    Raises:
        ValueError: if ``table`` is not a 2-D bool tensor or leaves an output map unconnected.
    """

    def __init__(self, table: torch.Tensor, kernel_size: int, padding: int = 0) -> None:
        super().__init__()
        if not isinstance(table, torch.Tensor) or table.dtype != torch.bool or table.ndim != 2:
            got = f"{table.dtype} tensor of shape {tuple(table.shape)}" if isinstance(table, torch.Tensor) \
                else type(table).__name__
            raise ValueError(f"table must be a 2-D bool tensor C_in x C_out, got {got}")
        empty = table.any(dim=0).logical_not().nonzero().flatten().tolist()
        if empty:
            raise ValueError(f"every output map needs an input: table columns {empty} are empty")
        as_int("kernel_size", kernel_size)
        self.in_channels, self.out_channels = table.shape
        self.kernel_size, self.padding = kernel_size, padding
        inputs, outputs = table.nonzero(as_tuple=True)
        self.register_buffer("table", table.clone(), persistent=False)
        self.register_buffer("input_index", inputs, persistent=False)
        self.register_buffer("output_index", outputs, persistent=False)
        self.weight = nn.Parameter(torch.empty(len(inputs), kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.empty(self.out_channels))
        fan_in = table.sum(dim=0) * kernel_size * kernel_size  # per output map
        with torch.no_grad():  # PyTorch's default for a convolution: U(-1/sqrt(F), 1/sqrt(F)) per map
            bound = 1.0 / fan_in.float().sqrt()
            self.weight.uniform_(-1, 1).mul_(bound[outputs].view(-1, 1, 1))
            self.bias.uniform_(-1, 1).mul_(bound)

    def dense_weight(self) -> torch.Tensor:
        """The kernels as an ordinary convolution weight ``C_out x C_in x k x k`` (zeros where unconnected)."""
        k = self.kernel_size
        dense = self.weight.new_zeros(self.out_channels, self.in_channels, k, k)
        return dense.index_put((self.output_index, self.input_index), self.weight)

    def fan_in(self) -> torch.Tensor:
        """Inputs per unit of each output map (``k * k`` times its connected maps), shape ``C_out``."""
        return self.table.sum(dim=0) * self.kernel_size * self.kernel_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.dense_weight(), self.bias, padding=self.padding)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"padding={self.padding}, connections={self.weight.shape[0]}")


class EuclideanRBF(nn.Module):
    """Output layer of Euclidean radial basis function units with fixed prototypes.

    Unit ``i`` computes the paper's penalty ``y_i = sum_j (x_j - w_ij)^2``, the
    squared distance between the input and its prototype ``w_i`` (eq. 7).
    The layer returns the *scores* ``-y_i``: the closest prototype gets the
    largest score, so ``argmax`` predicts and ``cross_entropy`` trains as for
    any logits. The prototypes are a buffer, not a parameter: they are saved
    with the model but not trained, as in the paper.

    Args:
        prototypes: float tensor ``K x D``, one row per class.

    Shape:
        input ``N x D`` -> output ``N x K`` (scores, all <= 0).
    """

    def __init__(self, prototypes: torch.Tensor) -> None:
        super().__init__()
        if prototypes.ndim != 2:
            raise ValueError(f"prototypes must be K x D, got shape {tuple(prototypes.shape)}")
        self.register_buffer("prototypes", prototypes.clone().float())

    def penalties(self, x: torch.Tensor) -> torch.Tensor:
        """The paper's outputs ``y``: squared distances ``N x K`` from ``x`` (``N x D``) to each prototype."""
        return (x.unsqueeze(1) - self.prototypes).pow(2).sum(dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return -self.penalties(x)

    def extra_repr(self) -> str:
        classes, features = self.prototypes.shape
        return f"in_features={features}, classes={classes}, prototypes fixed"


def map_criterion(scores: torch.Tensor, targets: torch.Tensor, j: float = 1.0) -> torch.Tensor:
    """The paper's maximum-a-posteriori loss (its eq. 9) on the RBF layer's scores.

    With penalties ``y = -scores`` the loss of one sample of class ``D`` is
    ``y_D + log(exp(-j) + sum_i exp(-y_i))``: it pulls the correct class's
    penalty down and pushes the others' up. The ``exp(-j)`` term is a "rubbish
    class" that stops the push once every wrong penalty is well above ``j``.
    As ``j`` grows, this becomes ``cross_entropy(scores, targets)``.

    Args:
        scores: ``N x K`` scores (the output of :class:`EuclideanRBF`).
        targets: ``N`` class indices.
        j: the positive constant of the rubbish class.

    Returns:
        The mean loss over the batch, a scalar tensor.
    """
    if scores.ndim != 2 or targets.shape != scores.shape[:1]:
        raise ValueError(f"need scores N x K and targets N, got {tuple(scores.shape)} and {tuple(targets.shape)}")
    rubbish = torch.full_like(scores[:, :1], -float(j))
    correct_penalty = -scores.gather(1, targets.view(-1, 1)).squeeze(1)
    return (correct_penalty + torch.logsumexp(torch.cat([rubbish, scores], dim=1), dim=1)).mean()


# --------------------------------------------------------------------------- the network


class LeNet5(nn.Module):
    """LeNet-5 with the paper's layer names; build it with :func:`lenet5`.

    The layers are attributes named as in the paper (``C1``, ``S2``, ``C3``,
    ``S4``, ``C5``, ``F6``, ``output``); each C-, S- and F-layer is a small
    ``nn.Sequential`` that ends with its activation, so a forward hook on
    ``model.C1`` sees the feature maps after the squashing.

    Shape:
        input ``N x in_channels x input_size x input_size`` -> output ``N x num_classes`` scores.
    """

    def __init__(self, C1: nn.Module, S2: nn.Module, C3: nn.Module, S4: nn.Module, C5: nn.Module,
                 F6: nn.Module, output: nn.Module, *, in_channels: int, input_size: int,
                 variant: str) -> None:
        super().__init__()
        self.C1, self.S2, self.C3, self.S4, self.C5, self.F6, self.output = C1, S2, C3, S4, C5, F6, output
        self.in_channels, self.input_size, self.variant = in_channels, input_size, variant

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_images(f"LeNet-5 ({self.variant})", x, self.in_channels, size=self.input_size)
        x = self.S4(self.C3(self.S2(self.C1(x))))
        x = self.C5(x).flatten(1)  # N x 120 x 1 x 1 -> N x 120
        return self.output(self.F6(x))

    def parameter_counts(self) -> dict[str, int]:
        """Trainable parameters per layer, keyed like :data:`LENET5_PAPER_PARAMETERS`."""
        return {name: sum(p.numel() for p in getattr(self, name).parameters() if p.requires_grad)
                for name in LENET5_LAYERS}

    def connection_counts(self) -> dict[str, int]:
        """Connections per layer as the paper counts them, keyed like :data:`LENET5_PAPER_CONNECTIONS`.

        A connection joins one input value, or a unit's bias, to one unit. A
        convolution reuses its kernels at every position, so its connections
        are its parameters times its output positions: C1 has 156 parameters
        but 156 x 28 x 28 = 122,304 connections. See :func:`_connections`.
        """
        shapes: dict[str, tuple[int, ...]] = {}

        def remember(name: str):
            return lambda module, args, out: shapes.__setitem__(name, tuple(out.shape[1:]))

        hooks = [getattr(self, name).register_forward_hook(remember(name)) for name in LENET5_LAYERS]
        try:
            with torch.no_grad():
                device = next(self.parameters()).device
                self(torch.zeros(1, self.in_channels, self.input_size, self.input_size, device=device))
        finally:
            for hook in hooks:
                hook.remove()
        return {name: _connections(getattr(self, name), shapes[name]) for name in LENET5_LAYERS}


def _connections(layer: nn.Module, output_shape: tuple[int, ...]) -> int:
    """Connections of one LeNet-5 layer whose output (one sample) has ``output_shape``.

    - convolution (full or partial): parameters x output positions;
    - fully connected: its parameters (inputs x units + biases);
    - trainable subsampling: units x (window + 1 bias); max pooling: units x window;
    - RBF units: units x inputs (no bias).
    """
    first = layer[0] if isinstance(layer, nn.Sequential) else layer
    units = math.prod(output_shape)
    if isinstance(first, (nn.Conv2d, PartiallyConnectedConv2d)):
        positions = math.prod(output_shape[1:])
        return positions * sum(p.numel() for p in first.parameters())
    if isinstance(first, nn.Linear):
        return sum(p.numel() for p in first.parameters())
    if isinstance(first, TrainableSubsampling):
        return units * (first.size * first.size + 1)
    if isinstance(first, nn.MaxPool2d):
        k = first.kernel_size
        return units * (k * k if isinstance(k, int) else math.prod(k))
    if isinstance(first, EuclideanRBF):
        return units * first.prototypes.shape[1]
    raise TypeError(f"cannot count the connections of {type(first).__name__}")


def _paper_init(model: nn.Module) -> None:
    """The paper's initialisation (appendix C): weights and biases uniform in ``+-2.4 / F``.

    ``F`` is the fan-in of the unit the connection belongs to: the weights a
    unit has (25 for C1, 4 for S2, 75 to 150 for C3's maps, 400 for C5, 120
    for F6). The scale keeps the weighted sums in the range where the
    squashing function bends.
    """
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, PartiallyConnectedConv2d):
                bound = 2.4 / module.fan_in().float()
                module.weight.uniform_(-1, 1).mul_(bound[module.output_index].view(-1, 1, 1))
                module.bias.uniform_(-1, 1).mul_(bound)
            elif isinstance(module, (nn.Conv2d, nn.Linear)):
                fan_in = module.weight[0].numel()
                nn.init.uniform_(module.weight, -2.4 / fan_in, 2.4 / fan_in)
                nn.init.uniform_(module.bias, -2.4 / fan_in, 2.4 / fan_in)
            elif isinstance(module, TrainableSubsampling):
                fan_in = module.size * module.size
                nn.init.uniform_(module.coefficient, -2.4 / fan_in, 2.4 / fan_in)
                nn.init.uniform_(module.bias, -2.4 / fan_in, 2.4 / fan_in)


def lenet5(variant: str = "faithful", num_classes: int = 10, *, in_channels: int = 1,
           input_size: int = 32, c3_table: bool | None = None, output: str | None = None) -> LeNet5:
    """Build LeNet-5 (LeCun et al., 1998).

    Args:
        variant: ``"faithful"`` (scaled tanh, trainable subsampling, the
            paper's C3 table, RBF output, the paper's initialisation) or
            ``"modern"`` (ReLU, max pooling, full C3, linear output, PyTorch's
            default initialisation). See the module docstring.
        num_classes: number of outputs. The RBF output has prototypes for the
            ten digits only, so it needs ``num_classes=10``.
        in_channels: channels of the input images (1 in the paper).
        input_size: side of the square input: 32 (the paper's; MNIST digits
            padded by 2 pixels, see :func:`lenet5_input`) or 28 (C1 then pads
            by 2 with zeros itself, and every later shape is unchanged).
        c3_table: wire C3 by the paper's Table I (``True``) or connect every
            S2 map to every C3 map (``False``, 2,416 instead of 1,516
            parameters). Default: ``True`` for faithful, ``False`` for modern.
        output: ``"rbf"`` (fixed digit prototypes, no trainable parameters) or
            ``"linear"`` (an ``nn.Linear(84, num_classes)``, 850 parameters
            for ten classes). Default: ``"rbf"`` for faithful, ``"linear"``
            for modern.

    Returns:
        A :class:`LeNet5` mapping ``N x in_channels x input_size x input_size``
        images to ``N x num_classes`` scores (logits for ``"linear"``, minus
        the RBF penalties for ``"rbf"``; either works with
        ``nn.functional.cross_entropy``).

    Raises:
        ValueError: on an unknown ``variant``, ``input_size`` or ``output``, a
            non-positive ``num_classes`` or ``in_channels``, or an RBF output
            with ``num_classes != 10``.

    Example::

        >>> model = lenet5("faithful")
        >>> model.parameter_counts() == LENET5_PAPER_PARAMETERS
        True
    """
    check_choice("variant", variant, LENET5_VARIANTS)
    as_int("num_classes", num_classes)
    as_int("in_channels", in_channels)
    check_choice("input_size", input_size, (32, 28))
    faithful = variant == "faithful"
    if c3_table is None:
        c3_table = faithful
    check_choice("c3_table", c3_table, (True, False))
    if output is None:
        output = "rbf" if faithful else "linear"
    check_choice("output", output, ("rbf", "linear"))
    if output == "rbf" and num_classes != 10:
        raise ValueError(f"the RBF output has prototypes for 10 digits, so num_classes must be 10, "
                         f"got {num_classes}; use output='linear' for other class counts")

    def activation() -> nn.Module:
        return ScaledTanh() if faithful else nn.ReLU(inplace=True)

    def pooling(channels: int) -> nn.Module:
        return TrainableSubsampling(channels, 2) if faithful else nn.MaxPool2d(2)

    def block(layer: nn.Module, with_activation: bool = True) -> nn.Sequential:
        parts = [("layer", layer)] + ([("activation", activation())] if with_activation else [])
        return nn.Sequential(OrderedDict(parts))

    padding = (32 - input_size) // 2
    C3 = PartiallyConnectedConv2d(c3_connection_table(), 5) if c3_table else nn.Conv2d(6, 16, 5)
    model = LeNet5(
        C1=block(nn.Conv2d(in_channels, 6, 5, padding=padding)),
        # the paper squashes after subsampling; max pooling needs no activation after it
        S2=block(pooling(6), with_activation=faithful),
        C3=block(C3),
        S4=block(pooling(16), with_activation=faithful),
        C5=block(nn.Conv2d(16, 120, 5)),
        F6=block(nn.Linear(120, 84)),
        output=EuclideanRBF(DIGIT_PROTOTYPES) if output == "rbf" else nn.Linear(84, num_classes),
        in_channels=in_channels, input_size=input_size, variant=variant,
    )
    if faithful:
        _paper_init(model)
    return model


def lenet5_input(images: torch.Tensor) -> torch.Tensor:
    """Prepare MNIST-style digits the way the paper fed LeNet-5.

    The paper's input field is 32 x 32, larger than MNIST's 28 x 28 images
    (whose digits fit in a 20 x 20 box), so that strokes near the edge still
    reach the centre of a C3 unit's receptive field; and it scaled the pixels so that the background is -0.1
    and full ink is 1.175, which makes the inputs' mean roughly 0 and their
    variance roughly 1.

    Args:
        images: float tensor ``N x C x 28 x 28`` in ``[0, 1]`` with 0 the background.

    Returns:
        Float tensor ``N x C x 32 x 32`` in ``[-0.1, 1.175]``, padded with the background value.

    Raises:
        ValueError: if ``images`` is not ``N x C x 28 x 28``.
    """
    if images.ndim != 4 or tuple(images.shape[-2:]) != (28, 28):
        raise ValueError(f"images must be N x C x 28 x 28, got shape {tuple(images.shape)}")
    scaled = images * 1.275 - 0.1
    return F.pad(scaled, (2, 2, 2, 2), value=-0.1)

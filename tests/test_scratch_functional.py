"""cnnbook.scratch.functional against PyTorch's autograd.

Every forward output and every gradient must equal PyTorch's to a relative
error below 1e-6 in float64, over randomised shapes, strides, paddings,
dilations and groups (fixed seeds). Also: dtypes are kept, and bad inputs
raise a ValueError that names what was expected and what was received.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from cnnbook.scratch import functional as F
from cnnbook.scratch.gradcheck import relative_error

TOLERANCE = 1e-6  # the engine's exactness requirement, float64


def as_tensor(a: np.ndarray | None, grad: bool = True) -> torch.Tensor | None:
    if a is None:
        return None
    return torch.from_numpy(np.array(a, copy=True)).requires_grad_(grad)


def assert_close(ours: np.ndarray, theirs: torch.Tensor | np.ndarray, what: str) -> None:
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != {theirs.shape}"
    error = relative_error(ours, theirs)
    assert error < TOLERANCE, f"{what}: relative error {error:.2e}"


# --------------------------------------------------------------------------- convolution


def random_conv_cases(count: int, seed: int) -> list[dict]:
    """Random convolutions: shapes, kernels, strides, paddings, dilations, groups (depthwise too)."""
    rng = np.random.default_rng(seed)
    cases: list[dict] = []
    while len(cases) < count:
        kind = rng.choice(["dense", "grouped", "depthwise"], p=[0.5, 0.25, 0.25])
        groups = {"dense": 1, "grouped": int(rng.integers(2, 4)), "depthwise": int(rng.integers(2, 6))}[kind]
        c_in = groups * (1 if kind == "depthwise" else int(rng.integers(1, 4)))
        c_out = groups * int(rng.integers(1, 4))
        case = dict(
            n=int(rng.choice([1, 2, 3])), c_in=c_in, c_out=c_out, groups=groups,
            h=int(rng.integers(1, 12)), w=int(rng.integers(1, 12)),
            kernel=tuple(int(k) for k in rng.integers(1, 6, size=2)),
            stride=tuple(int(s) for s in rng.integers(1, 4, size=2)),
            padding=tuple(int(p) for p in rng.integers(0, 4, size=2)),
            dilation=tuple(int(d) for d in rng.integers(1, 3, size=2)),
            bias=bool(rng.random() < 0.7),
        )
        extent = [case["dilation"][a] * (case["kernel"][a] - 1) + 1 for a in (0, 1)]
        if extent[0] <= case["h"] + 2 * case["padding"][0] and extent[1] <= case["w"] + 2 * case["padding"][1]:
            cases.append(case)
    return cases


EDGE_CASES = [
    # batch of one, non-square kernel, odd sizes
    dict(n=1, c_in=3, c_out=4, groups=1, h=7, w=9, kernel=(3, 5), stride=(1, 1), padding=(1, 2), dilation=(1, 1), bias=True),
    # the three benchmark shapes, small batch
    dict(n=2, c_in=1, c_out=6, groups=1, h=28, w=28, kernel=(5, 5), stride=(1, 1), padding=(2, 2), dilation=(1, 1), bias=True),
    dict(n=2, c_in=16, c_out=32, groups=1, h=14, w=14, kernel=(3, 3), stride=(1, 1), padding=(1, 1), dilation=(1, 1), bias=True),
    # depthwise, and depthwise with a channel multiplier of 2
    dict(n=2, c_in=5, c_out=5, groups=5, h=8, w=6, kernel=(3, 3), stride=(2, 1), padding=(1, 1), dilation=(1, 1), bias=False),
    dict(n=1, c_in=4, c_out=8, groups=4, h=9, w=9, kernel=(3, 3), stride=(1, 1), padding=(1, 1), dilation=(1, 1), bias=True),
    # 1 x 1 kernel (a dense layer per pixel), strided
    dict(n=3, c_in=6, c_out=2, groups=1, h=5, w=5, kernel=(1, 1), stride=(2, 2), padding=(0, 0), dilation=(1, 1), bias=True),
    # kernel as large as the padded input: a 1 x 1 output
    dict(n=2, c_in=2, c_out=3, groups=1, h=3, w=4, kernel=(5, 6), stride=(1, 1), padding=(1, 1), dilation=(1, 1), bias=True),
    # stride larger than the kernel: some inputs are never read
    dict(n=2, c_in=2, c_out=2, groups=1, h=10, w=11, kernel=(2, 3), stride=(3, 4), padding=(0, 1), dilation=(1, 1), bias=True),
    # padding larger than the dilated kernel's reach (the stride-1 backward crops dout)
    dict(n=2, c_in=3, c_out=2, groups=1, h=4, w=5, kernel=(2, 2), stride=(1, 1), padding=(3, 2), dilation=(1, 1), bias=True),
    # dilation with stride, and a stride of 1 in one direction only
    dict(n=2, c_in=3, c_out=2, groups=1, h=11, w=10, kernel=(3, 2), stride=(1, 2), padding=(2, 0), dilation=(2, 3), bias=False),
]

CONV_CASES = EDGE_CASES + random_conv_cases(60, seed=3)


def conv_case_id(case: dict) -> str:
    return (f"n{case['n']}-c{case['c_in']}to{case['c_out']}-g{case['groups']}-{case['h']}x{case['w']}"
            f"-k{case['kernel'][0]}x{case['kernel'][1]}-s{case['stride'][0]}{case['stride'][1]}"
            f"-p{case['padding'][0]}{case['padding'][1]}-d{case['dilation'][0]}{case['dilation'][1]}")


@pytest.mark.parametrize("case", CONV_CASES, ids=conv_case_id)
def test_conv2d_matches_torch(case: dict) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((case["n"], case["c_in"], case["h"], case["w"]))
    w = rng.standard_normal((case["c_out"], case["c_in"] // case["groups"], *case["kernel"]))
    b = rng.standard_normal(case["c_out"]) if case["bias"] else None
    options = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"], groups=case["groups"])

    out, cache = F.conv2d_forward(x, w, b, **options)
    xt, wt, bt = as_tensor(x), as_tensor(w), as_tensor(b)
    out_t = TF.conv2d(xt, wt, bt, **options)
    assert_close(out, out_t, "out")

    dout = rng.standard_normal(out.shape)
    out_t.backward(torch.from_numpy(dout))
    dx, dw, db = F.conv2d_backward(dout, cache)
    assert_close(dx, xt.grad, "dx")
    assert_close(dw, wt.grad, "dw")
    if b is None:
        assert db is None
    else:
        assert_close(db, bt.grad, "db")


def test_conv2d_float32_keeps_dtype_and_agrees() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3, 10, 9), dtype=np.float32)
    w = rng.standard_normal((5, 3, 3, 3), dtype=np.float32)
    b = rng.standard_normal(5, dtype=np.float32)
    for stride in (1, 2):
        out, cache = F.conv2d_forward(x, w, b, stride=stride, padding=1)
        dx, dw, db = F.conv2d_backward(np.ones_like(out), cache)
        assert {a.dtype for a in (out, dx, dw, db)} == {np.dtype(np.float32)}
        xt, wt, bt = as_tensor(x), as_tensor(w), as_tensor(b)
        out_t = TF.conv2d(xt, wt, bt, stride=stride, padding=1)
        out_t.sum().backward()
        for ours, theirs in ((out, out_t), (dx, xt.grad), (dw, wt.grad), (db, bt.grad)):
            np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-4, atol=1e-4)


def test_conv2d_int_and_pair_arguments_agree() -> None:
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, 2, 7, 7)), rng.standard_normal((3, 2, 3, 3))
    a, _ = F.conv2d_forward(x, w, None, 2, 1, 1)
    b, _ = F.conv2d_forward(x, w, None, (2, 2), (1, 1), (1, 1))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("groups, padding, dilation", [(1, (1, 2), (1, 1)), (2, (3, 0), (2, 1)), (4, (0, 4), (1, 2))])
def test_conv2d_input_gradient_two_ways(groups, padding, dilation) -> None:
    """For stride 1, dx by the flipped-kernel convolution equals dx by col2im (the backward picks one)."""
    from cnnbook.scratch.functional import conv

    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 4, 7, 6)), rng.standard_normal((4, 4 // groups, 3, 2))
    out, (cols, w, g, groups, _) = F.conv2d_forward(x, w, padding=padding, dilation=dilation, groups=groups)
    dout = rng.standard_normal(out.shape)
    by_flip = conv._input_gradient_stride1(dout, w, g, groups)
    dcols = conv._grouped_product(conv._transposed_weight_matrix(w, groups), F.windows.images_to_rows(dout, g), groups)
    by_col2im = F.col2im(dcols, g)
    assert relative_error(by_flip, by_col2im) < 1e-12


@pytest.mark.parametrize("c_out, stride", [(8, 1), (8, 2), (2, 1)])
def test_conv2d_cache_serves_one_backward_pass(c_out, stride) -> None:
    """The backward pass writes w^T @ dout over the cached window matrix, so a second call must raise.

    (8, 1) and (8, 2) take the col2im path, which writes over the window
    matrix; (2, 1) takes the flipped-kernel path, which does not, but the
    rule is the same for both.
    """
    rng = np.random.default_rng(23)
    x, w = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((c_out, 3, 3, 3))
    out, cache = F.conv2d_forward(x, w, stride=stride, padding=1)
    cols = cache[0].copy()
    dout = rng.standard_normal(out.shape)
    dx, dw, _ = F.conv2d_backward(dout, cache)
    with pytest.raises(RuntimeError, match="already called with this cache"):
        F.conv2d_backward(dout, cache)
    # the gradients came from the window matrix as it was before being written over
    xt, wt = as_tensor(x), as_tensor(w)
    TF.conv2d(xt, wt, stride=stride, padding=1).backward(torch.from_numpy(dout))
    assert_close(dx, xt.grad, "dx")
    assert_close(dw, wt.grad, "dw")
    written_over = not np.array_equal(cache[0], cols)
    assert written_over == (c_out > 3 or stride > 1)
    # a new forward pass gives a new cache
    _, cache = F.conv2d_forward(x, w, stride=stride, padding=1)
    dx_again, dw_again, _ = F.conv2d_backward(dout, cache)
    np.testing.assert_array_equal(dx_again, dx)
    np.testing.assert_array_equal(dw_again, dw)


def test_im2col_col2im_are_adjoint() -> None:
    """<im2col(x), c> == <x, col2im(c)> for any x and c: col2im is the transpose of im2col."""
    rng = np.random.default_rng(4)
    for stride, padding, dilation in (((1, 1), (1, 2), (1, 1)), ((2, 3), (1, 0), (2, 1))):
        x = rng.standard_normal((2, 3, 9, 8))
        g = F.window_geometry(x.shape, (3, 2), stride, padding, dilation)
        cols = F.im2col(x, g)
        c = rng.standard_normal(cols.shape)
        if g.wide:  # the junk columns of the wide layout are discarded: give them no gradient
            c.reshape(-1, g.batch, g.out_height, g.row_width)[..., g.out_width:] = 0
        np.testing.assert_allclose(np.sum(cols * c), np.sum(x * F.col2im(c, g)), rtol=1e-12)


@pytest.mark.parametrize(
    "x_shape, w_shape, options, message",
    [
        ((3, 8, 8), (4, 3, 3, 3), {}, r"x must have 4 dimensions .*got shape \(3, 8, 8\)"),
        ((2, 3, 8, 8), (4, 3, 3), {}, r"w must have 4 dimensions .*got shape \(4, 3, 3\)"),
        ((2, 3, 8, 8), (4, 2, 3, 3), {}, r"x has C_in=3 channels, but w of shape \(4, 2, 3, 3\).*expects C_in = 2"),
        ((2, 6, 8, 8), (4, 3, 3, 3), dict(groups=4), r"groups=4 must divide the input channels, but x has C_in=6"),
        ((2, 6, 8, 8), (3, 3, 3, 3), dict(groups=2), r"groups=2 must divide the output channels, but w has C_out=3"),
        ((2, 3, 4, 4), (4, 3, 7, 3), dict(padding=1), r"kernel of extent \(7, 3\).*padded input of size \(6, 6\)"),
        ((2, 3, 4, 4), (4, 3, 3, 3), dict(dilation=3), r"kernel of extent \(7, 7\).*padded input of size \(4, 4\)"),
        ((2, 3, 8, 8), (4, 3, 3, 3), dict(stride=0), r"stride must be an integer >= 1 .*got 0"),
        ((2, 3, 8, 8), (4, 3, 3, 3), dict(padding=-1), r"padding must be an integer >= 0 .*got -1"),
        ((2, 3, 8, 8), (4, 3, 3, 3), dict(stride=(1, 2, 3)), r"stride must be an integer >= 1 or a pair"),
        ((2, 3, 8, 8), (4, 3, 3, 3), dict(groups=0), r"groups must be a positive integer, got 0"),
        ((0, 3, 8, 8), (4, 3, 3, 3), {}, r"x must not be empty .*got shape \(0, 3, 8, 8\)"),
    ],
)
def test_conv2d_bad_input(x_shape, w_shape, options, message) -> None:
    x, w = np.zeros(x_shape), np.zeros(w_shape)
    with pytest.raises(ValueError, match=message):
        F.conv2d_forward(x, w, **options)


def test_conv2d_bad_bias_dtype_and_dout() -> None:
    x, w = np.zeros((2, 3, 8, 8)), np.zeros((4, 3, 3, 3))
    with pytest.raises(ValueError, match=r"b must have shape \(4,\), one value per output channel, got \(3,\)"):
        F.conv2d_forward(x, w, np.zeros(3))
    with pytest.raises(ValueError, match=r"w must have the input's dtype float64, got float32"):
        F.conv2d_forward(x, w.astype(np.float32))
    with pytest.raises(ValueError, match=r"x must be a floating-point array, got dtype int64"):
        F.conv2d_forward(x.astype(np.int64), w)
    with pytest.raises(ValueError, match=r"x must be a NumPy array"):
        F.conv2d_forward(x.tolist(), w)
    _, cache = F.conv2d_forward(x, w)
    with pytest.raises(ValueError, match=r"dout must have the forward output's shape \(2, 4, 6, 6\), got \(2, 4, 8, 8\)"):
        F.conv2d_backward(np.zeros((2, 4, 8, 8)), cache)


# --------------------------------------------------------------------------- pooling

POOL_CASES = [
    # (shape, kernel, stride, padding)
    ((2, 3, 8, 8), 2, None, 0),
    ((1, 2, 7, 9), (3, 2), None, (1, 1)),
    ((2, 2, 9, 9), 3, 1, 1),  # overlapping windows
    ((3, 1, 10, 7), (2, 3), (1, 2), (1, 0)),
    ((2, 4, 5, 5), 5, 2, 2),
    ((1, 1, 3, 3), 3, None, 0),  # global pooling
    ((2, 3, 11, 6), (4, 2), (3, 1), (2, 1)),
]


@pytest.mark.parametrize("shape, kernel, stride, padding", POOL_CASES)
@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("ties", [False, True])
def test_pooling_matches_torch(kind, shape, kernel, stride, padding, ties) -> None:
    rng = np.random.default_rng(5)
    # With ties, many windows hold their maximum twice: PyTorch routes the gradient to the first one.
    x = rng.integers(-2, 3, size=shape).astype(np.float64) if ties else rng.standard_normal(shape)
    forward, backward = {
        "max": (F.max_pool2d_forward, F.max_pool2d_backward),
        "avg": (F.avg_pool2d_forward, F.avg_pool2d_backward),
    }[kind]
    reference = {"max": TF.max_pool2d, "avg": TF.avg_pool2d}[kind]
    out, cache = forward(x, kernel, stride, padding)
    xt = as_tensor(x)
    out_t = reference(xt, kernel, stride, padding)
    assert_close(out, out_t, "out")
    dout = rng.standard_normal(out.shape)
    out_t.backward(torch.from_numpy(dout))
    assert_close(backward(dout, cache), xt.grad, "dx")


# Cases that take each of the two code paths: windows that tile the input
# (stride = kernel size, no padding; a remainder may be left unread) and the
# general strided-window path.
TILING_CASES = [
    ((4, 3, 8, 8), 2),
    ((2, 5, 7, 9), 2),  # odd sizes: the last row and column are not read
    ((3, 2, 9, 11), (3, 2)),
    ((2, 2, 6, 6), (1, 3)),
    ((1, 4, 12, 12), 4),
    ((2, 1, 5, 5), 5),
]
GENERAL_CASES = [
    ((2, 3, 9, 9), 3, 2, 0),  # overlapping windows
    ((2, 3, 8, 8), 2, 2, 1),  # tiling kernel and stride, but padded
    ((2, 2, 7, 8), (2, 3), (3, 2), 0),  # gaps between windows
]


def pooling_input(kind: str, shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Random inputs where ties are rare ("normal"), or common ("integers", "relu": many zeros)."""
    rng = np.random.default_rng(seed)
    if kind == "integers":
        return rng.integers(-1, 2, size=shape).astype(np.float64)
    x = rng.standard_normal(shape)
    return np.maximum(x, 0.0) if kind == "relu" else x


def windows_with_tied_maximum(x: np.ndarray, g) -> int:
    """How many tiling windows of ``x`` hold their maximum at least twice."""
    (kh, kw), ho, wo = g.kernel, g.out_height, g.out_width
    tiles = x[:, :, :ho * kh, :wo * kw].reshape(g.batch, g.channels, ho, kh, wo, kw)
    maxima = tiles.max(axis=(3, 5), keepdims=True)
    return int(((tiles == maxima).sum(axis=(3, 5)) > 1).sum())


def check_pooling_against_torch(pool: str, x: np.ndarray, kernel, stride, padding, seed: int) -> None:
    forward, backward, reference = {
        "max": (F.max_pool2d_forward, F.max_pool2d_backward, TF.max_pool2d),
        "avg": (F.avg_pool2d_forward, F.avg_pool2d_backward, TF.avg_pool2d),
    }[pool]
    out, cache = forward(x, kernel, stride, padding)
    xt = as_tensor(x)
    out_t = reference(xt, kernel, stride, padding)
    assert_close(out, out_t, "out")
    dout = np.random.default_rng(seed + 1).standard_normal(out.shape)
    out_t.backward(torch.from_numpy(dout))
    assert_close(backward(dout, cache), xt.grad, "dx")


@pytest.mark.parametrize("values", ["normal", "integers", "relu"])
@pytest.mark.parametrize("pool", ["max", "avg"])
@pytest.mark.parametrize("shape, kernel", TILING_CASES)
def test_pooling_tiling_path_matches_torch(pool, shape, kernel, values) -> None:
    from cnnbook.scratch.functional import pooling

    x = pooling_input(values, shape, seed=11)
    g = pooling.window_geometry(x.shape, pooling.as_pair(kernel, "k"), pooling.as_pair(kernel, "k"), (0, 0))
    assert pooling._tiles(g)
    if values == "integers":  # the case must contain windows whose maximum appears more than once
        assert windows_with_tied_maximum(x, g) > 0
    check_pooling_against_torch(pool, x, kernel, None, 0, seed=11)


@pytest.mark.parametrize("values", ["normal", "integers", "relu"])
@pytest.mark.parametrize("pool", ["max", "avg"])
@pytest.mark.parametrize("shape, kernel, stride, padding", GENERAL_CASES)
def test_pooling_general_path_matches_torch(pool, shape, kernel, stride, padding, values) -> None:
    from cnnbook.scratch.functional import pooling

    x = pooling_input(values, shape, seed=12)
    _, cache = F.max_pool2d_forward(x, kernel, stride, padding)
    assert not pooling._tiles(cache[1]) and isinstance(cache[0], np.ndarray)  # the general path's cache
    check_pooling_against_torch(pool, x, kernel, stride, padding, seed=12)


@pytest.mark.parametrize("stride, padding", [(None, 0), (1, 1)])  # tiling path, general path
def test_max_pool_backward_keeps_non_finite_gradients_in_place(stride, padding) -> None:
    # The backward selects the gradient without np.where: an inf or NaN must
    # reach the window's maximum only, and every other input gets exactly 0.
    x = np.random.default_rng(3).standard_normal((1, 2, 4, 4))
    out, cache = F.max_pool2d_forward(x, 2, stride, padding)
    dout = np.zeros_like(out)
    dout[0, 0, 0, 0], dout[0, 1, 1, 1] = np.inf, np.nan
    xt = as_tensor(x)
    TF.max_pool2d(xt, 2, stride, padding).backward(torch.from_numpy(dout))
    np.testing.assert_array_equal(F.max_pool2d_backward(dout, cache), xt.grad.numpy())


def test_max_pool_propagates_nan_and_keeps_float32() -> None:
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = np.nan
    out, cache = F.max_pool2d_forward(x, 2)
    torch_out = TF.max_pool2d(torch.from_numpy(x), 2).numpy()
    np.testing.assert_array_equal(out, torch_out)  # NaN in the first window, like PyTorch
    assert np.isnan(out[0, 0, 0, 0]) and out.dtype == np.float32
    assert F.max_pool2d_backward(np.ones_like(out), cache).dtype == np.float32
    avg, _ = F.avg_pool2d_forward(x, 2)
    assert avg.dtype == np.float32


@pytest.mark.parametrize("forward", [F.max_pool2d_forward, F.avg_pool2d_forward])
def test_pooling_bad_input(forward) -> None:
    with pytest.raises(ValueError, match=r"padding must be at most half the kernel size.*got \(2, 2\)"):
        forward(np.zeros((1, 1, 8, 8)), 3, 1, 2)
    with pytest.raises(ValueError, match=r"x must have 4 dimensions .*got shape \(8, 8\)"):
        forward(np.zeros((8, 8)), 2)
    with pytest.raises(ValueError, match=r"kernel of extent \(5, 5\) .*padded input of size \(4, 4\)"):
        forward(np.zeros((1, 1, 4, 4)), 5)
    with pytest.raises(ValueError, match=r"kernel_size must be an integer >= 1"):
        forward(np.zeros((1, 1, 4, 4)), 0)


# --------------------------------------------------------------------------- linear


@pytest.mark.parametrize("n, d_in, d_out, bias", [(1, 1, 1, True), (5, 7, 3, True), (8, 20, 10, False), (3, 400, 120, True)])
def test_linear_matches_torch(n, d_in, d_out, bias) -> None:
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((n, d_in)), rng.standard_normal((d_out, d_in))
    b = rng.standard_normal(d_out) if bias else None
    out, cache = F.linear_forward(x, w, b)
    xt, wt, bt = as_tensor(x), as_tensor(w), as_tensor(b)
    out_t = TF.linear(xt, wt, bt)
    assert_close(out, out_t, "out")
    dout = rng.standard_normal(out.shape)
    out_t.backward(torch.from_numpy(dout))
    dx, dw, db = F.linear_backward(dout, cache)
    assert_close(dx, xt.grad, "dx")
    assert_close(dw, wt.grad, "dw")
    assert db is None if not bias else relative_error(db, bt.grad.numpy()) < TOLERANCE


def test_linear_bad_input() -> None:
    with pytest.raises(ValueError, match=r"x has D_in=5 features, but w of shape \(3, 4\) expects D_in=4"):
        F.linear_forward(np.zeros((2, 5)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"x must have 2 dimensions \(N x D_in\), got shape \(2, 1, 2, 2\)"):
        F.linear_forward(np.zeros((2, 1, 2, 2)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"b must have shape \(3,\)"):
        F.linear_forward(np.zeros((2, 4)), np.zeros((3, 4)), np.zeros(4))


# --------------------------------------------------------------------------- activations

ACTIVATIONS = {
    "relu": (F.relu_forward, F.relu_backward, {}, TF.relu),
    "leaky_relu": (F.leaky_relu_forward, F.leaky_relu_backward, {}, TF.leaky_relu),
    "leaky_relu_0.2": (F.leaky_relu_forward, F.leaky_relu_backward, dict(negative_slope=0.2),
                       lambda t: TF.leaky_relu(t, 0.2)),
    "sigmoid": (F.sigmoid_forward, F.sigmoid_backward, {}, torch.sigmoid),
    "tanh": (F.tanh_forward, F.tanh_backward, {}, torch.tanh),
    "gelu": (F.gelu_forward, F.gelu_backward, {}, TF.gelu),
    "gelu_tanh": (F.gelu_forward, F.gelu_backward, dict(approximate="tanh"), lambda t: TF.gelu(t, approximate="tanh")),
    "silu": (F.silu_forward, F.silu_backward, {}, TF.silu),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_matches_torch(name) -> None:
    forward, backward, options, reference = ACTIVATIONS[name]
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 4, 5, 6)) * 4
    x[0, 0, 0, :3] = 0.0  # the kink of ReLU: PyTorch's gradient there is 0
    out, cache = forward(x, **options)
    xt = as_tensor(x)
    out_t = reference(xt)
    assert_close(out, out_t, "out")
    dout = rng.standard_normal(x.shape)
    out_t.backward(torch.from_numpy(dout))
    assert_close(backward(dout, cache), xt.grad, "dx")
    out32, cache32 = forward(x.astype(np.float32), **options)
    assert out32.dtype == np.float32
    assert backward(dout.astype(np.float32), cache32).dtype == np.float32


def test_sigmoid_is_stable_for_huge_inputs() -> None:
    x = np.array([-1e4, -800.0, -50.0, 0.0, 50.0, 800.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        out, cache = F.sigmoid_forward(x)
        F.sigmoid_backward(np.ones_like(x), cache)
    np.testing.assert_allclose(out, torch.sigmoid(torch.from_numpy(x)).numpy(), rtol=1e-12, atol=0)


def test_activation_bad_input() -> None:
    with pytest.raises(ValueError, match=r"x must be a floating-point NumPy array, got int64"):
        F.relu_forward(np.arange(3))
    with pytest.raises(ValueError, match=r"approximate must be 'none' or 'tanh', got 'fast'"):
        F.gelu_forward(np.zeros(3), approximate="fast")
    _, cache = F.tanh_forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"dout must have the forward output's shape \(2, 3\), got \(3, 2\)"):
        F.tanh_backward(np.zeros((3, 2)), cache)


# --------------------------------------------------------------------------- batch normalisation


@pytest.mark.parametrize("shape", [(4, 3, 5, 6), (1, 2, 3, 3), (7, 5, 1, 1), (2, 1, 4, 7)])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_matches_torch(shape, training) -> None:
    rng = np.random.default_rng(8)
    c = shape[1]
    gamma, beta = rng.standard_normal(c), rng.standard_normal(c)
    running_mean, running_var = rng.standard_normal(c), rng.random(c) + 0.5
    rm_t, rv_t = torch.from_numpy(running_mean.copy()), torch.from_numpy(running_var.copy())
    for step in range(3):  # the running statistics must follow PyTorch's over several steps
        x = rng.standard_normal(shape) * 3 + 1
        out, cache = F.batchnorm2d_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.2, eps=1e-4)
        xt, gt, bt = as_tensor(x), as_tensor(gamma), as_tensor(beta)
        out_t = TF.batch_norm(xt, rm_t, rv_t, gt, bt, training=training, momentum=0.2, eps=1e-4)
        assert_close(out, out_t, f"out, step {step}")
        assert_close(running_mean, rm_t, f"running_mean, step {step}")
        assert_close(running_var, rv_t, f"running_var, step {step}")
        dout = rng.standard_normal(shape)
        out_t.backward(torch.from_numpy(dout))
        dx, dgamma, dbeta = F.batchnorm2d_backward(dout, cache)
        assert_close(dx, xt.grad, "dx")
        assert_close(dgamma, gt.grad, "dgamma")
        assert_close(dbeta, bt.grad, "dbeta")


def test_batchnorm_normalises_and_keeps_float32() -> None:
    rng = np.random.default_rng(9)
    x = (rng.standard_normal((16, 3, 4, 4)) * 5 + 2).astype(np.float32)
    ones, zeros = np.ones(3, np.float32), np.zeros(3, np.float32)
    out, cache = F.batchnorm2d_forward(x, ones, zeros, zeros.copy(), ones.copy(), training=True)
    assert out.dtype == np.float32 and F.batchnorm2d_backward(out, cache)[0].dtype == np.float32
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), 1, atol=1e-3)


def test_batchnorm_bad_input() -> None:
    ones, zeros = np.ones(3), np.zeros(3)
    with pytest.raises(ValueError, match=r"more than one value per channel, got input of shape \(1, 3, 1, 1\)"):
        F.batchnorm2d_forward(np.zeros((1, 3, 1, 1)), ones, zeros, zeros.copy(), ones.copy(), training=True)
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\), one value per channel, got \(4,\)"):
        F.batchnorm2d_forward(np.zeros((2, 3, 2, 2)), np.ones(4), zeros, zeros.copy(), ones.copy(), training=True)
    with pytest.raises(ValueError, match=r"x must have 4 dimensions"):
        F.batchnorm2d_forward(np.zeros((2, 3)), ones, zeros, zeros.copy(), ones.copy(), training=True)


# --------------------------------------------------------------------------- dropout


def test_dropout_training_drops_scales_and_is_reproducible() -> None:
    x = np.ones((200, 500))
    p = 0.3
    out, mask = F.dropout_forward(x, p, training=True, rng=np.random.default_rng(10))
    dropped = np.mean(out == 0)
    assert abs(dropped - p) < 0.01  # 100,000 draws: the standard error is 0.0015
    np.testing.assert_array_equal(np.unique(out), [0.0, 1 / (1 - p)])  # the kept values are scaled
    assert abs(out.mean() - 1) < 0.01  # the expectation is kept
    again, _ = F.dropout_forward(x, p, training=True, rng=np.random.default_rng(10))
    np.testing.assert_array_equal(out, again)
    dout = np.random.default_rng(11).standard_normal(x.shape)
    np.testing.assert_array_equal(F.dropout_backward(dout, mask), dout * mask)


def test_dropout_identity_in_eval_and_edge_probabilities() -> None:
    x = np.random.default_rng(12).standard_normal((3, 4)).astype(np.float32)
    for training, p in ((False, 0.5), (True, 0.0)):
        out, mask = F.dropout_forward(x, p, training=training)  # no rng needed: nothing is drawn
        assert out is x and mask is None
        assert F.dropout_backward(x, mask) is x
    out, mask = F.dropout_forward(x, 1.0, training=True, rng=np.random.default_rng(0))
    assert not out.any() and out.dtype == np.float32
    out, _ = F.dropout_forward(x, 0.5, training=True, rng=np.random.default_rng(0))
    assert out.dtype == np.float32


def test_dropout_bad_input() -> None:
    with pytest.raises(ValueError, match=r"p must be a number in \[0, 1\], got 1.5"):
        F.dropout_forward(np.zeros(3), 1.5, training=True, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"rng must be a numpy.random.Generator in training, got NoneType"):
        F.dropout_forward(np.zeros(3), 0.5, training=True)


# --------------------------------------------------------------------------- softmax cross-entropy


@pytest.mark.parametrize("n, k, scale", [(1, 2, 1.0), (8, 10, 3.0), (5, 3, 1000.0), (6, 7, 5000.0)])
def test_softmax_cross_entropy_matches_torch(n, k, scale) -> None:
    rng = np.random.default_rng(13)
    logits = rng.standard_normal((n, k)) * scale  # scale 1000+: exp would overflow without the shift
    labels = rng.integers(0, k, size=n)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dlogits = F.softmax_cross_entropy(logits, labels)
    lt = as_tensor(logits)
    loss_t = TF.cross_entropy(lt, torch.from_numpy(labels))
    loss_t.backward()
    assert np.isfinite(loss) and np.all(np.isfinite(dlogits))
    assert relative_error(np.array(loss), loss_t.detach().numpy()) < TOLERANCE
    assert_close(dlogits, lt.grad, "dlogits")
    assert_close(F.log_softmax(logits), TF.log_softmax(lt, dim=1), "log_softmax")
    assert_close(F.softmax(logits), TF.softmax(lt, dim=1), "softmax")


def test_softmax_cross_entropy_float32_and_bad_labels() -> None:
    logits = np.array([[1000.0, -1000.0], [0.0, 1.0]], dtype=np.float32)
    loss, dlogits = F.softmax_cross_entropy(logits, np.array([1, 0]))
    assert dlogits.dtype == np.float32 and np.isfinite(loss)
    assert loss == pytest.approx((2000 + np.log1p(np.exp(1.0))) / 2, rel=1e-6)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\) for 2 classes, got values in \[0, 2\]"):
        F.softmax_cross_entropy(logits, np.array([2, 0]))
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\), one class per row of logits, got \(3,\)"):
        F.softmax_cross_entropy(logits, np.array([0, 1, 0]))
    with pytest.raises(ValueError, match=r"labels must be integers, got dtype float64"):
        F.softmax_cross_entropy(logits, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"logits must have 2 dimensions"):
        F.softmax_cross_entropy(logits[0], np.array([0]))

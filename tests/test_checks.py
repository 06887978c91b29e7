"""The package's one set of argument checks: bools refused, NumPy integers accepted, one wording."""
import numpy as np
import pytest
import torch
from torch import nn

from cnnbook.checks import as_int, as_number, as_pair, check_choice, check_images, check_probability, require
from cnnbook.data import per_class_subset
from cnnbook.train import EarlyStopping, batches, fit


def test_as_int_accepts_numpy_integers_and_refuses_bools():
    assert as_int("n", np.int64(32)) == 32 and type(as_int("n", np.int64(32))) is int
    assert as_int("n", 0, 0) == 0
    for bad in (True, np.bool_(True), 1.0, "3", None):
        with pytest.raises(ValueError, match=r"^n must be a positive integer, got "):
            as_int("n", bad)
    with pytest.raises(ValueError, match=r"^n must be a non-negative integer, got -1$"):
        as_int("n", -1, 0)
    with pytest.raises(ValueError, match=r"^k must be an integer in \[1, 3\], got 4$"):
        as_int("k", 4, 1, 3)


def test_as_number_bounds_and_wording():
    assert as_number("lr", np.float32(0.5), 0) == 0.5
    with pytest.raises(ValueError, match=r"^lr must be a non-negative number, got True$"):
        as_number("lr", True, 0)
    with pytest.raises(ValueError, match=r"^t must be a positive number, got 0$"):
        as_number("t", 0, 0, strict_minimum=True)
    with pytest.raises(ValueError, match=r"^f must be a number in \(0, 1\), got 1$"):
        as_number("f", 1, 0, 1, strict_minimum=True, strict_maximum=True)
    with pytest.raises(ValueError, match="got nan"):
        as_number("x", float("nan"))
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        check_probability("p", 1.0)


def test_pairs_and_choices():
    assert as_pair(np.int32(3), "k", 1) == (3, 3) and as_pair((2, np.int64(5)), "k") == (2, 5)
    with pytest.raises(ValueError, match=r"^k must be an integer >= 1 or a pair"):
        as_pair(True, "k", 1)
    assert check_choice("mode", "a", ("a", "b")) == "a"
    with pytest.raises(ValueError, match=r"^depth must be one of \[1, 2\], got True$"):
        check_choice("depth", True, (1, 2))


def test_require_raises_value_error_in_eager_mode():
    require(True, "never")
    require(torch.tensor(True), "never")
    with pytest.raises(ValueError, match="^broken$"):
        require(False, "broken")
    with pytest.raises(ValueError, match=r"expects a batch N x 3 x H x W, got shape \(2, 1, 8, 8\)"):
        check_images("Net", torch.zeros(2, 1, 8, 8), 3)
    with pytest.raises(ValueError, match=r"at least 16 x 16"):
        check_images("Net", torch.zeros(2, 3, 8, 20), 3, min_size=16)
    check_images("Net", torch.zeros(2, 3, 16, 16), 3, min_size=16, size=16)


def test_every_part_of_the_package_refuses_bools_and_accepts_numpy_integers():
    """The inconsistencies the checks module removed: bool counts accepted, NumPy integers refused."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    data = [(torch.zeros(2, 1, 2, 2), torch.zeros(2, dtype=torch.long))]
    with pytest.raises(ValueError, match="^epochs must be a positive integer, got True$"):
        fit(model, data, epochs=True, optimizer=optimizer, device="cpu")
    with pytest.raises(ValueError, match="^patience must be a positive integer, got True$"):
        EarlyStopping(patience=True)
    from cnnbook.data import ImageDataset

    dataset = ImageDataset(torch.zeros(4, 1, 2, 2), torch.tensor([0, 1, 0, 1]), ("a", "b"))
    assert len(batches(dataset, np.int64(2))) == 2
    assert len(per_class_subset(dataset, np.int64(1))) == 2
    with pytest.raises(ValueError, match="^per_class must be a positive integer, got True$"):
        per_class_subset(dataset, True)

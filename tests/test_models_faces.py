"""The face window classifier is a sliding window; the embedder gives unit vectors."""
import pytest
import torch

from cnnbook.models.faces import FACE_WINDOW, FACE_WINDOW_STRIDE, FaceEmbedder, FaceWindowClassifier


def test_window_classifier_on_a_large_image_equals_it_on_every_window():
    torch.manual_seed(0)
    model = FaceWindowClassifier(width=4).eval()
    image = torch.rand(1, 1, 49, 57)
    with torch.no_grad():
        scores = model(image)
        assert scores.shape == (1, 1, (49 - FACE_WINDOW) // FACE_WINDOW_STRIDE + 1,
                                (57 - FACE_WINDOW) // FACE_WINDOW_STRIDE + 1)
        for i in range(scores.shape[2]):
            for j in range(scores.shape[3]):
                top, left = i * FACE_WINDOW_STRIDE, j * FACE_WINDOW_STRIDE
                window = image[..., top:top + FACE_WINDOW, left:left + FACE_WINDOW]
                torch.testing.assert_close(model(window)[0, 0, 0, 0], scores[0, 0, i, j])


def test_window_classifier_reads_exactly_25_by_25_pixels():
    model = FaceWindowClassifier(width=4)
    image = torch.zeros(1, 1, 40, 40, requires_grad=True)
    model(image)[0, 0, 0, 0].backward()
    touched = torch.nonzero(image.grad[0, 0].abs() > 0)
    assert touched.max(dim=0).values.tolist() <= [FACE_WINDOW - 1, FACE_WINDOW - 1]
    with pytest.raises(ValueError, match="H, W >= 25"):
        model(torch.zeros(1, 1, 20, 30))


def test_window_classifier_with_four_outputs_is_a_box_regressor_of_the_same_layers():
    one, four = FaceWindowClassifier(width=4), FaceWindowClassifier(width=4, outputs=4)
    assert four(torch.rand(3, 1, 25, 25)).shape == (3, 4, 1, 1)
    assert four(torch.rand(1, 1, 49, 57)).shape == (1, 4, 7, 9)
    shapes = [p.shape for p in one.parameters()]
    assert [p.shape for p in four.parameters()][:-2] == shapes[:-2]  # all but the last 1 x 1 convolution
    with pytest.raises(ValueError, match="outputs"):
        FaceWindowClassifier(outputs=0)


def test_embedder_gives_unit_vectors():
    model = FaceEmbedder(dim=8, width=4)
    embeddings = model(torch.rand(5, 1, 32, 32))
    assert embeddings.shape == (5, 8)
    torch.testing.assert_close(embeddings.norm(dim=1), torch.ones(5))
    with pytest.raises(ValueError, match="N x 1 x H x W"):
        model(torch.rand(5, 3, 32, 32))

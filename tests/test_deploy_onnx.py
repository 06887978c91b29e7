"""cnnbook.deploy's ONNX side: export, ONNX Runtime inference, int8 quantization, file sizes."""
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")

from cnnbook.deploy import CalibrationBatches, export_onnx, file_size, load_session, quantize_int8, run_onnx  # noqa: E402
from cnnbook.models import small_convnet  # noqa: E402


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.manual_seed(0)
    model = small_convnet(widths=(8, 16, 32), hidden=512).eval()  # weights dominate the file, as in most CNNs
    path = export_onnx(model, torch.rand(2, 1, 28, 28), tmp_path_factory.mktemp("onnx") / "model.onnx")
    return model, path


@pytest.mark.parametrize("batch", [1, 7, 64])
def test_onnx_runtime_matches_pytorch_at_any_batch_size(exported, batch):
    model, path = exported
    x = torch.rand(batch, 1, 28, 28)
    with torch.no_grad():
        expected = model(x).numpy()
    got = run_onnx(path, x)  # a tensor in, from a path
    assert got.shape == (batch, 10) and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
    np.testing.assert_array_equal(run_onnx(load_session(path), x.numpy()), got)  # an array in, a session reused


def test_file_size_counts_external_data(exported, tmp_path):
    _, path = exported
    data_files = [p for p in path.parent.iterdir() if p != path]
    total = path.stat().st_size + sum(p.stat().st_size for p in data_files)
    assert file_size(path) == total
    parameters_bytes = 4 * sum(p.numel() for p in exported[0].parameters())
    assert file_size(path) >= parameters_bytes  # the float32 weights are somewhere on disk
    plain = tmp_path / "weights.bin"
    plain.write_bytes(b"x" * 123)
    assert file_size(plain) == 123


def test_file_size_reports_missing_external_data(exported, tmp_path):
    _, path = exported
    lonely = tmp_path / "lonely.onnx"
    lonely.write_bytes(path.read_bytes())
    if file_size(path) == path.stat().st_size:
        pytest.skip("the exporter stored the weights inside the .onnx file")
    with pytest.raises(ValueError, match="external data"):
        file_size(lonely)


def test_int8_model_is_small_and_close(exported, tmp_path):
    model, path = exported
    generator = torch.Generator().manual_seed(1)
    calibration = [torch.rand(16, 1, 28, 28, generator=generator) for _ in range(4)]
    int8 = quantize_int8(path, tmp_path / "int8.onnx", calibration)
    assert file_size(int8) <= 0.3 * file_size(path)
    x = torch.rand(32, 1, 28, 28, generator=generator)
    with torch.no_grad():
        expected = model(x).numpy()
    got = run_onnx(int8, x)
    spread = expected.max() - expected.min()
    assert np.abs(got - expected).max() < 0.1 * spread  # close, not equal: 8-bit rounding
    assert not np.allclose(got, expected, atol=1e-6)  # it really is a different (quantized) model
    import onnx

    operators = {node.op_type for node in onnx.load(str(int8)).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= operators  # QDQ format


def test_calibration_reader_takes_pairs_tensors_and_arrays():
    reader = CalibrationBatches([(torch.ones(2, 3), torch.zeros(2)), np.zeros((1, 3))], "input")
    first, second = reader.get_next(), reader.get_next()
    assert first["input"].dtype == np.float32 and first["input"].shape == (2, 3)
    assert second["input"].shape == (1, 3) and reader.get_next() is None


def test_bad_arguments_raise_value_error(exported, tmp_path):
    model, path = exported
    with pytest.raises(ValueError, match="model must be"):
        export_onnx("not a model", torch.rand(2, 1, 28, 28), tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="example must be a float tensor"):
        export_onnx(model, torch.zeros(2, 1, 28, 28, dtype=torch.long), tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="existing"):
        run_onnx(tmp_path / "missing.onnx", np.zeros((1, 1, 28, 28)))
    with pytest.raises(ValueError, match="x must be"):
        run_onnx(path, [[1.0]])
    with pytest.raises(ValueError, match="existing file"):
        file_size(tmp_path / "missing.bin")
    with pytest.raises(ValueError, match="no batch"):
        quantize_int8(path, tmp_path / "q.onnx", [])
    with pytest.raises(ValueError, match="not one array"):
        quantize_int8(path, tmp_path / "q.onnx", np.zeros((4, 1, 28, 28)))
    with pytest.raises(ValueError, match="differ"):
        quantize_int8(path, path, [np.zeros((4, 1, 28, 28))])
    with pytest.raises(ValueError, match="input_name"):
        CalibrationBatches([], "")
    with pytest.raises(ValueError, match="calibration batch"):
        CalibrationBatches(["text"], "input").get_next()
    with pytest.raises(ValueError, match="threads"):
        load_session(path, threads=0)

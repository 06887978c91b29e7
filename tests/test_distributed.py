"""DistributedDataParallel through torchrun: the package's worker, two processes, gloo on 127.0.0.1."""
import json

import pytest
import torch

from cnnbook.data import ImageDataset
from cnnbook.distributed import DistributedBatches, launch, shard_indices, torchrun_command
from cnnbook.distributed.worker import save_dataset


def test_two_processes_end_with_identical_replicas(tmp_path):
    g = torch.Generator().manual_seed(0)
    images, labels = torch.rand(256, 1, 28, 28, generator=g), torch.randint(0, 10, (256,), generator=g)
    data = save_dataset(ImageDataset(images, labels, [str(d) for d in range(10)]), tmp_path / "data.pt")
    launch("cnnbook.distributed.worker", ["train", "--out", str(tmp_path), "--samples", "256", "--epochs", "2",
                                          "--batch-size", "32", "--data", str(data)], nproc_per_node=2, timeout=120)
    tmp_path = tmp_path / "train"
    first, second = torch.load(tmp_path / "rank0.pt"), torch.load(tmp_path / "rank1.pt")
    assert first.keys() == second.keys()
    for name in first:
        assert torch.equal(first[name], second[name]), f"replicas differ in {name}"
    records = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    for epoch in range(2):  # the two shards of every epoch partition the 256 samples
        a, b = records[0]["indices"][epoch], records[1]["indices"][epoch]
        assert len(a) == len(b) == 128 and sorted(a + b) == list(range(256))
    assert records[0]["indices"][0] != records[0]["indices"][1], "the shards must be reshuffled every epoch"
    assert (tmp_path / "checkpoint.pt").exists()


@pytest.mark.parametrize("size, world_size", [(10, 2), (12, 3), (7, 1)])
def test_shards_partition_when_even(size, world_size):
    shards = shard_indices(size, world_size, seed=3)
    assert sorted(sum(shards, [])) == list(range(size))


def test_uneven_shards_are_padded_or_dropped():
    padded = shard_indices(5, 2, shuffle=False)
    assert [len(s) for s in padded] == [3, 3] and sorted(sum(padded, [])) == [0, 0, 1, 2, 3, 4]
    dropped = shard_indices(5, 2, shuffle=False, drop_last=True)
    assert [len(s) for s in dropped] == [2, 2]


def test_batches_reshuffle_every_pass():
    data = torch.utils.data.TensorDataset(torch.arange(8.0), torch.arange(8))
    batches = DistributedBatches(data, 4, rank=0, world_size=2, seed=0)
    first = torch.cat([y for _, y in batches]).tolist()
    second = torch.cat([y for _, y in batches]).tolist()
    assert first == batches.indices(0) and second == batches.indices(1) and first != second


def test_command_lines():
    one = torchrun_command("m", ["a"], nproc_per_node=2)
    assert "--standalone" in one and one[-3:] == ["-m", "m", "a"]
    several = torchrun_command("m", nnodes=2, rdzv_endpoint="10.0.0.1:29400")
    assert "--nnodes=2" in several and "--rdzv-endpoint=10.0.0.1:29400" in several
    with pytest.raises(ValueError, match="rdzv_endpoint"):
        torchrun_command("m", nnodes=2)
    with pytest.raises(ValueError, match="nproc_per_node"):
        torchrun_command("m", nproc_per_node=0)

import socket

import pytest

from cnnbook._network import socket_timeout, unreachable_reason


class _Connection:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_unreachable_reason_names_every_host_when_none_answers(monkeypatch):
    tried = []

    def refuse(address, timeout):
        tried.append((address, timeout))
        raise OSError(f"refused by {address[0]}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    reason = unreachable_reason([("a.example", 443), ("b.example", 80)], timeout=0.5)
    assert tried == [(("a.example", 443), 0.5), (("b.example", 80), 0.5)]
    assert reason.startswith("no network (") and "a.example: refused by a.example" in reason
    assert "b.example: refused by b.example" in reason


def test_unreachable_reason_stops_at_the_first_host_that_answers(monkeypatch):
    tried = []

    def answer_second(address, timeout):
        tried.append(address[0])
        if address[0] == "a.example":
            raise OSError("down")
        return _Connection()

    monkeypatch.setattr(socket, "create_connection", answer_second)
    assert unreachable_reason([("a.example", 443), ("b.example", 443), ("c.example", 443)]) is None
    assert tried == ["a.example", "b.example"]


@pytest.mark.parametrize("hosts, timeout, message", [
    ([], 1.0, "at least one"),
    ([("a.example", 443)], 0, "positive"),
    ([("a.example", 443)], True, "positive"),
])
def test_unreachable_reason_rejects_bad_arguments(hosts, timeout, message):
    with pytest.raises(ValueError, match=message):
        unreachable_reason(hosts, timeout)


def test_socket_timeout_is_restored_even_after_an_error():
    previous = socket.getdefaulttimeout()
    with pytest.raises(KeyError):
        with socket_timeout(3.5):
            assert socket.getdefaulttimeout() == 3.5
            raise KeyError("boom")
    assert socket.getdefaulttimeout() == previous

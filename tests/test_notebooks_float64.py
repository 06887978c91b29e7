"""No chapter moves float64 tensors to the accelerator (Apple's MPS has no float64).

A static scan of every code cell, so that it runs without a GPU or an Apple
machine. Three patterns are flagged:

- a transfer to ``device`` (``.to(device)``, ``device=device``) of an
  expression that is float64 by construction (``.double()``,
  ``torch.float64``, ``np.float64``, ``dtype=torch.double``);
- ``torch.from_numpy(array).to(device)`` where nothing in the expression
  makes the array, or the transfer, float32 (NumPy arrays are float64 by default);
- ``.double()`` or ``.to(torch.float64)`` applied to a value derived from
  something that was sent to ``device`` (followed through assignments within
  the notebook), unless ``.cpu()`` brings it back first.

A float64 reference belongs on the CPU: ``x.cpu().double()``.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
FLOAT64_NAMES = {"float64", "double"}
TRANSFERS = {"to", "tensor", "as_tensor", "zeros", "ones", "randn", "rand", "randint", "empty", "full", "arange",
             "linspace", "eye", "zeros_like", "ones_like", "randn_like", "rand_like", "full_like", "empty_like"}


def source_of(node: ast.AST, code: str) -> str:
    return ast.get_source_segment(code, node) or ""


def is_device_transfer(node: ast.AST) -> bool:
    """``x.to(device)``, ``x.to(device=device)``, ``x.cuda()``, or a tensor constructor with ``device=device``."""
    if not isinstance(node, ast.Call):
        return False
    if isinstance(node.func, ast.Attribute) and node.func.attr == "cuda":
        return True
    names = [a.id for a in node.args if isinstance(a, ast.Name)]
    names += [k.value.id for k in node.keywords if k.arg == "device" and isinstance(k.value, ast.Name)]
    # Tensor constructors and .to(); not any function with a device argument (fit, predict and
    # evaluate take one but return their results on the CPU).
    called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    return "device" in names and called in TRANSFERS


def is_float64_marker(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute) and node.attr in FLOAT64_NAMES:
        return True  # torch.float64, np.float64, torch.double, and x.double (the method)
    return False


def mentions(node: ast.AST, predicate) -> bool:
    return any(predicate(child) for child in ast.walk(node))


def brought_back(node: ast.AST) -> bool:
    return mentions(node, lambda n: isinstance(n, ast.Attribute) and n.attr in {"cpu", "numpy", "item", "tolist"})


def check_expression(node: ast.AST, code: str, tainted: set[str]) -> list[str]:
    """The offending sub-expressions of one statement's expressions, given the names now on the device."""
    problems = []
    for node in ast.walk(node):
        if is_device_transfer(node):
            receiver = node.func.value if isinstance(node.func, ast.Attribute) else node
            inner = [receiver] + list(node.args) + [k.value for k in node.keywords]
            if any(mentions(part, is_float64_marker) for part in inner if part is not None):
                problems.append(source_of(node, code))
            elif (isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute)
                  and receiver.func.attr == "from_numpy"
                  and not any(mentions(part, lambda n: isinstance(n, ast.Attribute) and n.attr == "float32")
                              for part in inner if part is not None)):  # .astype(np.float32), .to(device, torch.float32)
                problems.append(source_of(node, code))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            widens = node.func.attr == "double" or (
                node.func.attr == "to" and any(is_float64_marker(a) for a in node.args))
            if widens and not brought_back(node.func.value):
                used = {n.id for n in ast.walk(node.func.value) if isinstance(n, ast.Name)}
                if used & tainted or mentions(node.func.value, is_device_transfer):
                    problems.append(source_of(node, code))
    return problems


def assign_taint(targets: list[ast.AST], value: ast.AST | None, tainted: set[str]) -> None:
    """Names bound from an on-device value become tainted; names bound from anything else are cleared."""
    derived = value is not None and not brought_back(value) and (
        mentions(value, is_device_transfer) or bool({n.id for n in ast.walk(value) if isinstance(n, ast.Name)} & tainted))
    for target in targets:
        for name in (n.id for n in ast.walk(target) if isinstance(n, ast.Name)):
            (tainted.add if derived else tainted.discard)(name)


def check_statements(statements: list[ast.stmt], code: str, tainted: set[str]) -> list[str]:
    """Check statements in order, following on-device values through assignments and loops."""
    problems = []
    for statement in statements:
        if isinstance(statement, (ast.For, ast.AsyncFor)):
            problems += check_expression(statement.iter, code, tainted)
            assign_taint([statement.target], statement.iter, tainted)
            problems += check_statements(statement.body + statement.orelse, code, tainted)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            problems += check_statements(statement.body, code, set(tainted))
        elif isinstance(statement, (ast.If, ast.While, ast.With, ast.Try)):
            header = [getattr(statement, "test", None)] + [item.context_expr for item in getattr(statement, "items", [])]
            for part in header:
                if part is not None:
                    problems += check_expression(part, code, tainted)
            body = statement.body + getattr(statement, "orelse", []) + getattr(statement, "finalbody", [])
            for handler in getattr(statement, "handlers", []):
                body += handler.body
            problems += check_statements(body, code, tainted)
        else:
            problems += check_expression(statement, code, tainted)
            if isinstance(statement, ast.Assign):
                assign_taint(statement.targets, statement.value, tainted)
            elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
                assign_taint([statement.target], statement.value, tainted)
    return problems


def float64_on_device(code: str, tainted: set[str]) -> list[str]:
    """The offending expressions of one cell; ``tainted`` (names of on-device values) is updated in place."""
    return check_statements(ast.parse(code).body, code, tainted)


def scan(path: Path) -> list[str]:
    cells = json.loads(path.read_text())["cells"]
    tainted: set[str] = set()
    found = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        code = "".join(cell["source"])
        try:
            problems = float64_on_device(code, tainted)
        except SyntaxError:
            continue  # cells with IPython magics; test_notebooks checks the rest
        found += [f"{path.name} cell {index}: {problem}" for problem in problems]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_float64_tensor_goes_to_the_device(path):
    problems = scan(path)
    assert not problems, "float64 on the device (compute float64 references on the CPU):\n" + "\n".join(problems)


@pytest.mark.parametrize("code", [
    "x = torch.randn(3, dtype=torch.float64).to(device)",
    "y = torch.from_numpy(np.ones(3)).to(device)",
    "z = torch.zeros(3, device=device, dtype=torch.float64)",
    "w = model(images.to(device)).double()",
    "inputs = batch.to(device)\nstats = torch.cat([inputs.flatten()])\nm = stats.double().mean()",
])
def test_the_scan_catches_float64_on_the_device(code):
    assert float64_on_device(code, set())


@pytest.mark.parametrize("code", [
    "x = torch.randn(3, dtype=torch.float64)",
    "y = torch.from_numpy(np.ones(3, dtype=np.float32)).to(device)",
    "y = torch.from_numpy(a.astype(np.float32)).to(device)",
    "inputs = batch.to(device)\nm = inputs.cpu().double().mean()",
    "net = nn.Linear(3, 2).double()\nout = net(torch.ones(1, 3, dtype=torch.float64))",
])
def test_the_scan_accepts_float64_on_the_cpu(code):
    assert not float64_on_device(code, set())

"""The package's surface: exports, stubs, docstrings and the exception hierarchy."""

import ast
import inspect
import pathlib

import reprint

STUB = pathlib.Path(reprint.__file__).with_name("__init__.pyi")


def stub_names():
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    names, members = set(), {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            members[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)} | {
                n.target.id for n in node.body if isinstance(n, ast.AnnAssign)
            }
        if isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
        if isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
    return names, members


def test_every_export_is_in_the_stub_with_a_docstring():
    names, members = stub_names()
    assert (STUB.parent / "py.typed").exists()
    for name in reprint.__all__:
        assert name in names, f"{name} is missing from __init__.pyi"
        obj = getattr(reprint, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"
    for cls, stubbed in members.items():
        public = {m for m in dir(getattr(reprint, cls)) if not m.startswith("_")}
        assert public <= stubbed, f"{cls}: {sorted(public - stubbed)} not in the stub"
        for m in public:
            assert inspect.getdoc(getattr(getattr(reprint, cls), m)) or m in ("b", "r", "h", "threshold", "lsh", "buffer_size", "path"), f"{cls}.{m} has no docstring"


def test_exception_hierarchy():
    for name in reprint.errors.__all__:
        assert issubclass(getattr(reprint, name), reprint.ReprintError)
    assert issubclass(reprint.ConfigError, ValueError)
    assert issubclass(reprint.IoError, OSError)
    assert not issubclass(reprint.CorruptError, ValueError)

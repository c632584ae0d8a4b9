"""The one door between the bot and retrieval (issue 12): the bot imports only retrieval's public names and
never reaches into an engine's passages, corpus or index."""

import ast

import retrieval
from conftest import ROOT

INTERNALS = {"documents", "passages", "corpus", "index", "analyzer", "vectors", "snapshot", "score", "parse"}


def _bot_modules():
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in sorted((ROOT / "bot").rglob("*.py"))]


def test_the_bot_imports_only_retrievals_public_names():
    for path, tree in _bot_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("retrieval"):
                assert node.module == "retrieval", f"{path.name} imports {node.module}"
                assert {alias.name for alias in node.names} <= set(retrieval.__all__), path.name
            if isinstance(node, ast.Import):
                assert not any(alias.name.startswith("retrieval.") for alias in node.names), path.name


def test_the_bot_never_reaches_into_an_engine():
    for path, tree in _bot_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) \
                    and node.value.attr == "engine":
                assert node.attr not in INTERNALS, f"{path.name}:{node.lineno} uses engine.{node.attr}"


def test_the_runtime_never_imports_the_lab():
    """The lab (evaluation, calibration, bench) stays outside what the bot runs: neither `retrieval` nor `bot`
    imports it, so the image, which holds no lab, loses nothing."""
    for folder in ("retrieval", "bot"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                modules = [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else \
                    [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
                assert not any(m == "lab" or m.startswith("lab.") for m in modules), f"{path} imports {modules}"

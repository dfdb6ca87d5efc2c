"""Architecture rules that must not rot."""

import ast
import subprocess
import sys
from importlib.metadata import version

from packaging.requirements import Requirement
from packaging.version import Version

from .conftest import ROOT


def test_engine_never_imports_streamlit():
    for path in (ROOT / "lstm_core").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import streamlit" not in text and "from streamlit" not in text, path
    code = (
        "import sys, importlib, pkgutil, lstm_core\n"
        "for m in pkgutil.walk_packages(lstm_core.__path__, 'lstm_core.'):\n"
        "    if m.name != 'lstm_core.__main__': importlib.import_module(m.name)\n"
        "assert 'streamlit' not in sys.modules, 'streamlit imported'\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_torch_is_pinned_and_every_pin_is_what_the_tests_run_on():
    """An unpinned torch pulls a multi-GB CUDA build; a pin other than the installed version
    means the tests ran on something the users do not get."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        req = Requirement(line.split("#")[0]) if line.split("#")[0].strip() else None
        if req is not None:
            pins[req.name] = req.specifier
    assert [s.operator for s in pins["torch"]] == ["=="]
    for name, spec in pins.items():
        installed = Version(version(name)).base_version  # 2.13.0+cpu is 2.13.0
        assert spec.contains(installed), (name, str(spec), installed)


def test_home_and_data_pages_do_not_import_torch_or_scipy_signal():
    """The first page and the first chart stay fast: torch (~3 s) and scipy.signal (~1.5 s)
    load only when a page that trains or traces needs them. Rendered in a fresh process."""
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('app.py', default_timeout=120).run()\n"
        "at.switch_page('pages/data.py').run()\n"
        "assert not at.exception and at.get('plotly_chart'), 'the Data page did not draw'\n"
        "heavy = sorted({'torch', 'scipy.signal'} & set(sys.modules))\n"
        "assert not heavy, heavy\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]


def _imported_names(path) -> list[tuple[str, str]]:
    """(module, name) of every `from M import name` in a file, M resolved to a dotted name."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            module = f"{base}.{node.module or ''}".strip(".") if node.level else node.module
            out += [(module or "", a.name) for a in node.names]
    return out


def test_no_module_imports_a_private_name_of_another():
    """What two modules share has a public name in one place (e.g. lstm_core.inside.cells)."""
    ours = ("lstm_core", "explorer", "pages")
    found = [
        f"{path.relative_to(ROOT)} imports {module}.{name}"
        for package in ours
        for path in sorted((ROOT / package).rglob("*.py"))
        for module, name in _imported_names(path)
        if module.split(".")[0] in ours and name.startswith("_") and not name.startswith("__")
    ]
    assert found == []


def _dotted(path) -> str:
    """lstm_core/series/data.py -> lstm_core.series.data (a package's __init__: its name)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _engine_imports() -> dict[str, set[str]]:
    """lstm_core module -> the lstm_core modules it imports (anywhere in the file)."""
    modules = {_dotted(p): p for p in (ROOT / "lstm_core").rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for module, imported in _imported_names(path):
            for target in (f"{module}.{imported}", module):  # `from . import inputs` too
                if target in modules and target != name:
                    targets.add(target)
                    break
        graph[name] = targets
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of `graph` (its modules in order), or [] when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str]:
        state[m] = 1
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return path[path.index(n) :]
            if n not in state and (found := visit(n)):
                return found
        state[m] = 2
        path.pop()
        return []

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return []


def test_the_engine_has_no_import_cycle():
    """Each lstm_core module can be read after the ones it imports (DataError and Scaler live
    in leaf modules, lstm_core.series.errors and lstm_core.series.scaling, for that)."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c"]  # the check works
    assert _cycle(_engine_imports()) == []


# The engine's rooms, lowest first: a module imports, at its top, only from its own room and
# the rooms before it (config and metrics are leaves that every room may read).
LAYERS = ("runtime", "config metrics", "series", "fitting", "evaluation", "inside",
          "experiments", "cli cli_common cli_model cli_inside __main__")  # fmt: skip
# An import inside a function that reaches up a layer, with its reason.
REACHING_UP = {
    ("lstm_core.fitting.pipeline", "lstm_core.evaluation.forecast"): "auto scores each "
    "candidate by its one-step predictions; torch-heavy, imported where used",
}


def _room(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


def test_the_engine_is_layered():
    rank = {room: i for i, layer in enumerate(LAYERS) for room in layer.split()}
    rooms = {_room(_dotted(p)) for p in (ROOT / "lstm_core").rglob("*.py")} - {"lstm_core"}
    assert rooms <= set(rank), rooms - set(rank)  # every module sits in a room of LAYERS
    up = []
    for path in (ROOT / "lstm_core").rglob("*.py"):
        me = _dotted(path)
        if me == "lstm_core" or _room(me) not in rank:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lstm_core")
            ):
                continue
            names = [a.name for a in node.names] if node.module == "lstm_core" else [""]
            for name in names:
                target = f"{node.module}.{name}".strip(".")
                room = _room(target)
                upward = room in rank and rank[room] > rank[_room(me)]
                if upward and (id(node) in top or (me, node.module) not in REACHING_UP):
                    up.append(f"{me} imports {target}")
    assert up == []

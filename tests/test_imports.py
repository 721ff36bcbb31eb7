"""Each third-party library is imported by exactly one module of the package."""

import ast
from pathlib import Path

import blogsite

PACKAGE = Path(blogsite.__file__).parent
OWNERS = {
    "markdown_it": "markup.py",
    "mdit_py_plugins": "markup.py",
    "pygments": "highlight.py",
    "math_core": "mathml.py",
    "jinja2": "templates.py",
    "yaml": "yamltext.py",
    "watchdog": "watch.py",
    "rich": "report.py",
    "pypinyin": "newpost.py",
    "pagefind": "search.py",
    "fontTools": "fonts.py",
    "autocorrect_py": "prose.py",
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_each_library_has_one_owner() -> None:
    importers: dict[str, set[str]] = {}
    for path in PACKAGE.glob("*.py"):
        for root in imported_roots(path):
            importers.setdefault(root, set()).add(path.name)
    for library, owner in OWNERS.items():
        assert importers.get(library) == {owner}, (library, importers.get(library))

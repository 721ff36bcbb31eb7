"""`blogsite check --prose`: the Chinese copywriting check, its `--fix`, its settings."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, write_site

from blogsite.build import markup_settings, prose_findings
from blogsite.cli import main
from blogsite.config import load_config
from blogsite.content import discover, parse_front_matter
from blogsite.markup import make_markdown

FRONT = '---\ntitle: "标题,带逗号"\ndate: 2024-01-01\ntags: [a,b]\n---\n'
# Line 6 onwards: one seeded mistake a line, then the same characters where they are not
# prose (code, math, a URL, raw HTML attributes, a link's address).
BODY = """他说"你好"，然后走了。
苹果,香蕉和橘子。
接受—拒绝采样。
我们用Python写代码。
括号(中文)结束;好。

代码 `"中文",中文—好(中文)` 不动，数学 $a,b\\text{中,文}$ 也不动。

见 https://example.com/a,b;c 和 [文档](https://example.com/中,文—x)。

还有 <span title='中,文—"x"'>标签</span>。

```python
x = "中文,中文"  # 注释—说明(中文)
```

$$
f(x) = a,b \\quad \\text{中,文}
$$
"""
SEEDED = {
    (6, 3, "quotation marks"),
    (7, 3, "full-width"),
    (8, 3, "dash"),
    (9, 4, "space"),
    (9, 10, "space"),
    (10, 3, "full-width"),
    (10, 9, "full-width"),
}
FINDING = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")


def site(tmp_path: Path, yaml: str = "") -> Path:
    return write_site(
        tmp_path / "site",
        {
            "blogsite.yaml": "title: T\nlanguage: zh-CN\n" + yaml,
            "content/posts/a.md": FRONT + BODY,
        },
    )


def check(source: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list]:
    code = main(["check", "--prose", "--source", str(source), *extra])
    found = [FINDING.match(line) for line in capsys.readouterr().err.splitlines()]
    return code, [m for m in found if m]


def kinds(found: list) -> set[tuple[int, int, str]]:
    """(line, column, the rule's key word) of each finding."""
    words = ("quotation marks", "dash", "full-width", "space")
    return {
        (int(m["line"]), int(m["col"]), next(w for w in words if w in m["message"])) for m in found
    }


def test_seeded_mistakes_are_found_at_their_line_and_column(tmp_path, capsys) -> None:
    code, found = check(site(tmp_path), capsys)
    assert code == 1
    assert kinds(found) == SEEDED  # and nothing in code, math, URLs, HTML or front matter
    quote = next(m for m in found if m["line"] == "6")
    assert quote["message"].endswith("'他说\"你好\"，然后走' → '他说“你好”，然后走'")


def test_spacing_is_a_house_style_and_each_rule_can_be_off(tmp_path, capsys) -> None:
    _, found = check(site(tmp_path, "prose: {spacing: false, dashes: false}\n"), capsys)
    assert kinds(found) == {k for k in SEEDED if k[2] not in ("space", "dash")}


def test_fix_passes_the_check_and_leaves_code_math_and_front_matter(tmp_path, capsys) -> None:
    source = site(tmp_path)
    post = source / "content/posts/a.md"
    before = post.read_text(encoding="utf-8")
    code, _ = check(source, capsys, "--fix")
    assert code == 0  # what it fixed passes the check that follows
    after = post.read_text(encoding="utf-8")
    assert after.startswith(FRONT)
    assert after.splitlines()[5:10] == [
        "他说“你好”，然后走了。",
        "苹果，香蕉和橘子。",
        "接受——拒绝采样。",
        "我们用 Python 写代码。",
        "括号（中文）结束；好。",
    ]
    # Everything from the first non-prose line on is byte for byte what it was.
    tail = before.index("代码 `")
    assert after[after.index("代码 `") :] == before[tail:]
    backups = list((source / ".blogsite-cache/prose-backup").rglob("a.md"))
    assert [b.read_text(encoding="utf-8") for b in backups] == [before]  # not in git: a copy
    assert check(source, capsys)[0] == 0


def git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=folder,
        check=True,
        capture_output=True,
    )


def test_fix_refuses_files_with_uncommitted_changes(tmp_path, capsys) -> None:
    source = site(tmp_path)
    git(source, "init", "-q")
    git(source, "add", "-A")
    git(source, "commit", "-qm", "first")
    post = source / "content/posts/a.md"
    post.write_text(post.read_text(encoding="utf-8") + "\n新的一段,还没提交。\n", "utf-8")
    before = post.read_bytes()
    assert main(["check", "--prose", "--fix", "--source", str(source)]) == 1
    assert "has changes that git has not committed" in capsys.readouterr().err
    assert post.read_bytes() == before
    git(source, "commit", "-qam", "second")
    assert main(["check", "--prose", "--fix", "--source", str(source)]) == 0
    assert "新的一段，还没提交。" in post.read_text(encoding="utf-8")
    assert not (source / ".blogsite-cache/prose-backup").exists()  # git keeps the old text


def test_findings_are_warnings_in_build_v_and_fail_only_strict_prose(tmp_path, capsys) -> None:
    source = site(tmp_path)
    assert main(["build", "-q", "--no-search", "--strict", "--source", str(source)]) == 0
    assert "quotation marks" not in capsys.readouterr().err  # not looked for without -v
    assert main(["build", "-v", "--no-search", "--strict", "--source", str(source)]) == 0
    found = [FINDING.match(line) for line in capsys.readouterr().err.splitlines()]
    assert kinds([m for m in found if m]) == SEEDED  # warnings, but not failures
    strict = site(tmp_path / "strict", "prose: {strict: true}\n")
    assert main(["build", "-q", "--no-search", "--strict", "--source", str(strict)]) == 1
    assert "quotation marks" in capsys.readouterr().err
    assert main(["build", "-q", "--no-search", "--source", str(strict)]) == 0


def test_an_unknown_prose_rule_is_named(tmp_path, capsys) -> None:
    source = site(tmp_path, "prose:\n  quote: false\n")
    assert main(["check", "--prose", "--source", str(source)]) == 1
    err = capsys.readouterr().err
    assert "blogsite.yaml:3: unknown prose rule `quote`; the rules: spacing" in err


def test_the_bundled_blog_has_no_findings() -> None:
    config = load_config(REPO)
    settings = markup_settings(config)
    parser = make_markdown(settings)
    found = []
    for source in discover(REPO):
        meta = parse_front_matter(source, config.tzinfo)
        for finding in prose_findings(meta.body, parser, settings, config.prose):
            line = meta.body.split("\n")[finding.line]
            where = f"{source.shown}:{meta.body_line + finding.line}:{finding.column + 1}"
            found.append(f"{where}: {finding.describe(line)}")
    assert found == []

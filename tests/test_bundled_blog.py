"""The repository's own blog builds completely: the twelve notes on page 1, the rest on page 2."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import html5lib
import pytest
from bs4 import BeautifulSoup
from conftest import REPO

from blogsite.text import count_units

PAGE_ONE = [
    "128. 最长连续序列",
    "76. 最小覆盖子串",
    "空洞卷积（Dilated / Atrous Convolution）",
    "语义分割评价指标：PA、MPA 与 MIoU",
    "TensorFlow Feature Column 特征工程",
    "TFRecord 与 tf.Example",
    "FlashAttention 原理",
    "混合精度训练",
    "Medusa：多解码头的投机解码",
    "MTP：多 Token 预测",
    "Segment Anything（SAM）",
    "投机解码（Speculative Decoding）",
]


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """Build a copy of the bundled blog, so the test never touches the repo's public/."""
    site = tmp_path_factory.mktemp("blog")
    for name in ("blogsite.yaml", "content", "templates", "static"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, site / name)
        else:
            shutil.copy(source, site / name)
    result = subprocess.run(
        [sys.executable, "-m", "blogsite", "build", "--strict", "--source", str(site)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return site / "public", result


def parse(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def entries(page: BeautifulSoup) -> list[str]:
    return [a.get_text() for a in page.select("main article h2 a")]


def test_build_is_clean(built) -> None:
    """Built with --strict: no math error, no broken link or anchor, no warning at all."""
    _public, result = built
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "the bundled blog must build without warnings"


def test_every_page_parses_as_html5_without_an_error(built) -> None:
    public, _result = built
    pages = sorted(public.rglob("*.html"))
    assert len(pages) > 40
    for page in pages:
        parser = html5lib.HTMLParser(namespaceHTMLElements=False)
        parser.parse(page.read_text(encoding="utf-8"))
        assert parser.errors == [], (page, parser.errors[:5])


def test_page_one_is_the_twelve_notes_in_order(built) -> None:
    public, _ = built
    page = parse(public / "index.html")
    assert page.find("h1").get_text() == "Latest updates"
    assert entries(page) == PAGE_ONE


def test_page_two_holds_8_to_12_older_posts_and_there_is_no_page_three(built) -> None:
    public, _ = built
    older = entries(parse(public / "page/2/index.html"))
    assert 8 <= len(older) <= 12
    assert not set(older) & set(PAGE_ONE)
    assert not (public / "page/3").exists()


def test_about_page(built) -> None:
    public, _ = built
    about = parse(public / "about/index.html")
    assert len(about.find("main").get_text(strip=True)) > 100


def post_pages(public: Path) -> list[Path]:
    return sorted((public / "posts").glob("*/index.html"))


def test_every_post_has_rendered_math_highlighted_code_and_figures(built) -> None:
    public, _ = built
    pages = post_pages(public)
    assert len(pages) >= 20
    for path in pages:
        page = parse(path)
        content = page.find(class_="content")
        title = page.find("h1").get_text()
        assert content.find(class_="math-error") is None, title
        for element in content.find_all(["math", "code", "pre", "svg"]):
            element.decompose()
        text = content.get_text()
        assert "$$" not in text and "\\(" not in text and "\\[" not in text, title
        page = parse(path)
        blocks = page.select("figure.code-block")
        assert blocks, f"{title}: no code"
        assert any(block.find("span", class_="k") for block in blocks), f"{title}: not highlighted"
        for img in page.select(".content img"):
            assert (path.parent / img["src"]).is_file(), (title, img["src"])
            assert img.get("alt"), (title, img["src"])


def test_deep_learning_notes_are_substantial_and_figured(built) -> None:
    public, _ = built
    for path in post_pages(public):
        page = parse(path)
        tags = [a.get_text() for a in page.select("article header .tags a")]
        if "LeetCode" in tags:
            continue
        content = page.find(class_="content")
        assert content.select("img"), f"{path.parent.name}: no figure"
        assert len(content.find_all("math")) >= 5, path.parent.name
        for element in content.find_all(["math", "pre"]):
            element.decompose()
        han, _ = count_units(content.get_text())
        assert han >= 1500, (path.parent.name, han)


def test_leetcode_notes_have_solution_in_judge_form(built) -> None:
    public, _ = built
    for path in post_pages(public):
        page = parse(path)
        if "LeetCode" not in [a.get_text() for a in page.select("article header .tags a")]:
            continue
        python = " ".join(c.get_text() for c in page.select("code.language-python"))
        assert "class Solution" in python or "class LRUCache" in python, path.parent.name


def test_every_post_runs_its_code_when_built(built) -> None:
    """Runnable blocks everywhere: the LeetCode notes run their examples in Python (a doctest)
    and C++ (a `main` whose output shows), and the notes show their numeric checks."""
    public, _ = built
    for path in post_pages(public):
        page = parse(path)
        name = path.parent.name
        assert not page.select(".code-failed, .code-skipped"), name
        outputs = [f.find("samp").get_text() for f in page.select("figure.code-output")]
        if name.startswith("lc"):
            assert page.select(".code-passed"), f"{name}: no doctest of the examples"
            cpp = page.select("figure.code-block:has(code.language-cpp) + figure.code-output")
            assert cpp, f"{name}: no C++ output"
        else:
            assert outputs or page.select(".code-passed"), f"{name}: shows no output"
    shown = {
        "flash-attention": "max |tiled - naive|",
        "segmentation-metrics": "逐像素计数",
        "speculative-decoding": "TV(样本, q)",
    }
    for name, text in shown.items():
        page = parse(public / "posts" / name / "index.html")
        assert any(text in f.get_text() for f in page.select("figure.code-output")), name


def test_check_code_runs_every_block_of_the_bundled_blog(built) -> None:
    public, _ = built
    done = subprocess.run(
        [sys.executable, "-m", "blogsite", "check", "--code", "--source", str(public.parent)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith(": no problem."), done.stdout

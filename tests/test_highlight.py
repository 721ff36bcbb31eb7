import re

import pytest
from bs4 import BeautifulSoup

from blogsite.highlight import CODE_SELECTOR, highlight_block, highlight_lines, theme_css


def test_python_is_highlighted_with_classes() -> None:
    html = BeautifulSoup(highlight_block("def f():\n    return 'x'\n", "python"), "html.parser")
    assert html.find("span", class_="k").get_text() == "def"
    assert html.find("span", class_="nf").get_text() == "f"
    assert html.find(attrs={"style": True}) is None


@pytest.mark.parametrize("lang", ["", "no-such-language", "mermaid2"])
def test_unknown_or_missing_language_is_plain_escaped_code(lang: str) -> None:
    html = BeautifulSoup(highlight_block("a < b && c\n", lang), "html.parser")
    code = html.find("code")
    assert code.get_text() == "a < b && c"
    assert code.find("span", class_=lambda c: c and c != "line") is None


def test_multiline_tokens_are_split_per_line() -> None:
    code = 'x = """one\ntwo\nthree"""\ny = 1\n'
    lines = highlight_lines(code, "python")
    assert len(lines) == 4
    for line in lines:
        # Each line's HTML is balanced on its own, so a line span never crosses lines.
        assert line.count("<span") == line.count("</span>")
    assert BeautifulSoup(lines[1], "html.parser").get_text() == "two"


def test_blank_lines_are_kept() -> None:
    assert len(highlight_lines("\n\na = 1\n\n", "python")) == 4


def test_theme_css_is_scoped() -> None:
    css = theme_css()
    selectors = [s.strip() for s in re.findall(r"^\s*([^{}@/][^{]*)\{", css, re.M)]
    assert selectors
    # Every rule is about code: the light ones, and the dark ones by the system's setting
    # (unless the reader chose light) or by the reader's choice.
    scopes = ("", ':root:not([data-theme="light"]) ', ':root[data-theme="dark"] ')
    assert all(any(s.startswith(p + CODE_SELECTOR) for p in scopes) for s in selectors), selectors
    assert "@media (prefers-color-scheme: dark)" in css
    light, rest = css.split("@media (prefers-color-scheme: dark)")
    by_system, by_choice = rest.split("\n}\n", 1)
    background = re.compile(r"\.highlight \{ background: (#[0-9a-fA-F]+)")
    dark = background.search(by_system).group(1)
    assert background.search(light).group(1) != dark == background.search(by_choice).group(1)


def test_a_console_block_ends_in_output_not_in_an_error() -> None:
    # Lexed without its last newline, the pycon lexer marked the last output line `err`.
    lines = highlight_lines(">>> sorted([2, 1])\n[1, 2]\n", "pycon")
    assert lines == [
        '<span class="gp">&gt;&gt;&gt; </span><span class="nb">sorted</span>'
        '<span class="p">([</span>'
        '<span class="mi">2</span><span class="p">,</span> <span class="mi">1</span>'
        '<span class="p">])</span>',
        '<span class="go">[1, 2]</span>',
    ]

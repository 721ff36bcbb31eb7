"""Links that would run code (`javascript:`, `vbscript:`, `data:` pages) are never made
from Markdown; images may still be `data:image/…`. Raw HTML is the author's own."""

from __future__ import annotations

import pytest
from markup_helpers import render, soup

UNSAFE = [
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    " javascript:alert(1)",
    "&#106;avascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",  # SVG can hold script
]


def urls(html: str) -> list[str]:
    page = soup(html)
    return [
        tag.get(attr) for tag in page.find_all(True) for attr in ("href", "src") if tag.get(attr)
    ]


@pytest.mark.parametrize("url", UNSAFE)
@pytest.mark.parametrize("form", ["[link]({})", "![image]({})", "[ref]\n\n[ref]: {}", "<{}>"])
def test_no_markdown_makes_a_link_that_runs_code(form: str, url: str) -> None:
    found = urls(render(form.format(url)).html)
    assert not [
        u for u in found if u.strip().lower().startswith(("javascript:", "vbscript:", "data:"))
    ]


def test_an_inline_image_may_be_data() -> None:
    found = urls(render("![dot](data:image/png;base64,iVBORw0KGgo=)").html)
    assert "data:image/png;base64,iVBORw0KGgo=" in found


def test_raw_html_is_kept_as_the_author_wrote_it() -> None:
    html = render('<a href="https://example.org/" target="_blank">外链</a>').html
    assert soup(html).find("a", href="https://example.org/", target="_blank") is not None

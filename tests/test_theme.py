"""The default theme on a built site: self-contained, small, semantic."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import post
from test_build import many_posts

EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", re.I
)


def test_no_request_to_another_host(make_site) -> None:
    site = make_site(many_posts(13))
    site.build()
    for path in site.public.rglob("*"):
        if path.suffix in (".html", ".css", ".js"):
            text = path.read_text(encoding="utf-8")
            assert not EXTERNAL.search(text), (path, EXTERNAL.search(text))


def test_index_weight_under_100_kb(make_site) -> None:
    site = make_site(many_posts(13))
    site.build()
    page = site.html("")
    total = (site.public / "index.html").stat().st_size
    for link in page.find_all("link", rel="stylesheet"):
        total += (site.public / link["href"].lstrip("/")).stat().st_size
    for script in page.find_all("script", src=True):
        total += (site.public / script["src"].lstrip("/")).stat().st_size
    assert total < 100 * 1024, total


def test_semantic_landmarks_and_viewport(make_site) -> None:
    site = make_site({"blogsite.yaml": "language: zh-CN\n", "content/posts/a.md": post("A")})
    site.build()
    for rel in ("", "posts/a/"):
        page = site.html(rel)
        assert page.find("html")["lang"] == "zh-CN"
        assert page.find("meta", attrs={"name": "viewport"})["content"].startswith(
            "width=device-width"
        )
        assert page.find("meta", charset=True)["charset"] == "utf-8"
        assert len(page.find_all("main")) == 1
        assert page.find("header") is not None and page.find("footer") is not None
        assert page.find("nav") is not None
        assert len(page.find_all("h1")) == 1


def test_dark_mode_and_math_font_rules(tmp_path: Path) -> None:
    css = (Path(__file__).resolve().parents[1] / "static/css/style.css").read_text()
    assert "@media (prefers-color-scheme: dark)" in css
    assert re.search(r"@font-face\s*{[^}]*latinmodern-math\.woff2", css)
    assert re.search(r"math\s*{[^}]*font-family:[^;]*\bmath\b", css)
    assert "user-select: none" in css  # line numbers are not copied


def test_math_font_is_preloaded_only_where_formulas_are(make_site) -> None:
    site = make_site(
        {
            "content/posts/math.md": post("M", "2024-01-02", "公式 $x^2$。"),
            "content/posts/plain.md": post("P", "2024-01-01", "没有公式。"),
        }
    )
    site.build()

    def preloads(rel: str, font: str = "latinmodern-math") -> bool:
        return site.html(rel).find("link", rel="preload", href=f"/fonts/{font}.woff2") is not None

    # Listings use the small cut made for the excerpts' formulas.
    assert preloads("posts/math/") and preloads("", "latinmodern-math-excerpts")
    assert not preloads("") and not preloads("posts/plain/") and not preloads("tags/")

"""The math font: cut to the site's formulas, complete for them, made once per change."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import REPO, post
from fontTools.ttLib import TTFont

import blogsite.build
from blogsite.fonts import MATH_FONT, italic, math_text

FULL = REPO / "static" / MATH_FONT


def font(path: Path) -> TTFont:
    return TTFont(io.BytesIO(path.read_bytes()))


def test_the_bundled_blog_gets_a_subset_that_draws_all_its_formulas(tmp_path: Path, capsys) -> None:
    from blogsite.cli import main

    public = tmp_path / "public"
    assert main(["build", "--source", str(REPO), "--output", str(public), "--no-search"]) == 0
    assert capsys.readouterr().err == ""
    subset, full = font(public / MATH_FONT), font(FULL)
    assert (public / MATH_FONT).stat().st_size < FULL.stat().st_size / 5
    # Every character the formulas draw that the full font has, the subset has too.
    pages = [p.read_text(encoding="utf-8") for p in public.rglob("*.html")]
    needed = {ord(c) for c in math_text(pages)} & set(full.getBestCmap())
    assert needed and needed <= set(subset.getBestCmap())
    assert len(subset.getBestCmap()) < len(full.getBestCmap()) / 5
    # The MATH table survives, with the size variants a stretched bracket is drawn from.
    assert "MATH" in subset
    variants = subset["MATH"].table.MathVariants.VertGlyphCoverage.glyphs
    assert subset.getBestCmap()[ord("(")] in variants
    # Licence and names stay.
    assert subset["name"].getDebugName(0) == full["name"].getDebugName(0)


@pytest.mark.parametrize(
    ("letter", "drawn"),
    [("x", "𝑥"), ("A", "𝐴"), ("h", "ℎ"), ("α", "𝛼"), ("Ω", "𝛺"), ("∂", "𝜕"), ("1", None)],
)
def test_one_letter_identifiers_need_their_italic_glyphs(letter: str, drawn: str | None) -> None:
    assert italic(letter) == drawn
    text = math_text([f"<p><math><mi>{letter}</mi><mi mathvariant='normal'>q</mi></math></p>"])
    assert letter in text and (drawn is None or drawn in text)
    assert "𝑞" not in text  # upright on purpose: no italic needed


def test_text_outside_formulas_is_not_kept() -> None:
    assert math_text(["<p>正文 abc</p><math><mn>2</mn><mo>+</mo></math>"]) == "+2"
    assert math_text(["<p>no math here</p>"]) == ""


def test_the_font_is_cut_again_only_when_the_formulas_change(
    make_site, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site({"content/posts/a.md": post("A", body="$x^2 + y$\n")})
    assert site.build("--no-search").code == 0
    first = (site.public / MATH_FONT).read_bytes()
    calls = []
    real = blogsite.build.subset_font
    monkeypatch.setattr(blogsite.build, "subset_font", lambda *args: calls.append(1) or real(*args))
    site.write("content/posts/b.md", post("B", body="没有公式。\n"))
    assert site.build("--no-search").code == 0
    assert calls == [] and (site.public / MATH_FONT).read_bytes() == first
    site.write("content/posts/c.md", post("C", body="$\\sum_i \\alpha_i$\n"))
    assert site.build("--no-search").code == 0
    # The posts' cut and the excerpts' cut both gain the new formula's glyphs.
    assert calls == [1, 1] and (site.public / MATH_FONT).read_bytes() != first

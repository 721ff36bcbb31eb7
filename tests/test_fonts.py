"""The math font: cut to the site's formulas, complete for them, made once per change."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import REPO, post
from fontTools.ttLib import TTFont

import blogsite.build
from blogsite.fonts import MATH_FONT, italic, math_text, subset_font

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
    needed = {ord(c) for c in math_text(pages).chars} & set(full.getBestCmap())
    assert needed and needed <= set(subset.getBestCmap())
    assert len(subset.getBestCmap()) < len(full.getBestCmap()) / 5
    # The MATH table survives, with the size variants a stretched bracket is drawn from.
    assert "MATH" in subset
    variants = subset["MATH"].table.MathVariants.VertGlyphCoverage.glyphs
    assert subset.getBestCmap()[ord("(")] in variants
    # Licence and names stay.
    assert subset["name"].getDebugName(0) == full["name"].getDebugName(0)


def levels(formula: str) -> tuple[str, str, str]:
    text = math_text([formula])
    return text.chars, text.script, text.scriptscript


def test_characters_are_sorted_by_the_script_level_they_are_drawn_at() -> None:
    # x^{2^k}: x at level 0, 2 at level 1, k at level 2 (and so also at level 1).
    chars, script, smaller = levels(
        "<math><msup><mi>x</mi><msup><mn>2</mn><mi>k</mi></msup></msup></math>"
    )
    assert set(chars) == set("x2k𝑥𝑘") and set(script) == set("2k𝑘") and set(smaller) == set("k𝑘")
    # A sum's limits and a root's index are scripts; the radicand is not.
    _, script, _ = levels(
        '<math display="block"><munderover><mo>∑</mo><mi>i</mi><mi>n</mi></munderover>'
        "<mroot><mi>y</mi><mn>3</mn></mroot></math>"
    )
    assert set(script) == set("in𝑖𝑛3")


def test_a_fraction_goes_a_size_down_only_inside_a_line() -> None:
    fraction = "<mfrac><mi>a</mi><mi>b</mi></mfrac>"
    assert levels(f'<math display="block">{fraction}</math>')[1] == ""
    assert set(levels(f"<math>{fraction}</math>")[1]) == set("ab𝑎𝑏")
    # displaystyle and scriptlevel say otherwise, as in \dfrac and aligned.
    assert levels(f'<math><mstyle displaystyle="true">{fraction}</mstyle></math>')[1] == ""
    tall = f'<math display="block"><mfrac displaystyle="false"><mi>a</mi>{fraction}</mfrac></math>'
    assert set(levels(tall)[1]) == set("ab𝑎𝑏") and set(levels(tall)[2]) == set("ab𝑎𝑏")
    assert levels(f'<math><mtable scriptlevel="0" displaystyle="true"><mtr><mtd>{fraction}'
                  "</mtd></mtr></mtable></math>")[1] == ""  # fmt: skip


def test_the_tex_source_of_a_formula_is_not_drawn() -> None:
    formula = (
        "<math><semantics><mi>x</mi>"
        '<annotation encoding="application/x-tex">x \\sum</annotation></semantics></math>'
    )
    assert levels(formula)[0] == "x𝑥"


def test_only_characters_drawn_in_scripts_keep_their_script_forms() -> None:
    full = font(FULL)
    text = math_text(["<math><msub><mi>x</mi><mi>y</mi></msub><mo>+</mo><mi>z</mi></math>"])
    out = TTFont(io.BytesIO(subset_font(FULL.read_bytes(), text)))
    names = set(out.getGlyphOrder())
    cmap = full.getBestCmap()
    y, z = cmap[ord("𝑦")], cmap[ord("𝑧")]
    assert {y, z} <= names
    assert f"{y}.st" in names and f"{y}.sts" not in names  # drawn at level 1 only
    assert not any(name.startswith(f"{z}.") for name in names)  # never in a script
    assert "MATH" in out and "ssty" in {
        record.FeatureTag for record in out["GSUB"].table.FeatureList.FeatureRecord
    }


@pytest.mark.parametrize(
    ("letter", "drawn"),
    [("x", "𝑥"), ("A", "𝐴"), ("h", "ℎ"), ("α", "𝛼"), ("Ω", "𝛺"), ("∂", "𝜕"), ("1", None)],
)
def test_one_letter_identifiers_need_their_italic_glyphs(letter: str, drawn: str | None) -> None:
    assert italic(letter) == drawn
    text = math_text([f"<p><math><mi>{letter}</mi><mi mathvariant='normal'>q</mi></math></p>"])
    assert letter in text.chars and (drawn is None or drawn in text.chars)
    assert "𝑞" not in text.chars  # upright on purpose: no italic needed


def test_text_outside_formulas_is_not_kept() -> None:
    assert math_text(["<p>正文 abc</p><math><mn>2</mn><mo>+</mo></math>"]).chars == "+2"
    assert not math_text(["<p>no math here</p>"])


def test_the_font_is_cut_again_only_when_the_formulas_change(
    make_site, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site({"content/posts/a.md": post("A", body="$x^2 + y$\n")})
    assert site.build("--no-search").code == 0
    first = (site.public / MATH_FONT).read_bytes()
    calls = []
    real = blogsite.build.in_background

    def counted(function, *args):
        if function is blogsite.build.subset_font:
            calls.append(1)
        return real(function, *args)

    monkeypatch.setattr(blogsite.build, "in_background", counted)
    site.write("content/posts/b.md", post("B", body="没有公式。\n"))
    assert site.build("--no-search").code == 0
    assert calls == [] and (site.public / MATH_FONT).read_bytes() == first
    site.write("content/posts/c.md", post("C", body="$\\sum_i \\alpha_i$\n"))
    assert site.build("--no-search").code == 0
    # The posts' cut and the excerpts' cut both gain the new formula's glyphs.
    assert calls == [1, 1] and (site.public / MATH_FONT).read_bytes() != first

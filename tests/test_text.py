"""CJK counting and summaries, with properties over arbitrary text."""

import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st
from markup_helpers import render

from blogsite.text import ELLIPSIS, Piece, count_units, summarize

# Han characters, Latin letters, digits, spaces, sentence punctuation and markup-looking characters.
ALPHABET = st.sampled_from(list("滑动窗口哈希表模型。！？；，abcXYZ019 .!?,<>&\"'\n"))
TEXTS = st.text(ALPHABET, max_size=400)


def test_count_units_cjk_way() -> None:
    assert count_units("滑动窗口") == (4, 0)
    assert count_units("two pointers 双指针") == (3, 2)
    assert count_units("O(n log n) 的 3.14 倍") == (2, 5)
    assert count_units("，。！  ") == (0, 0)


def units(html: str) -> int:
    text = "".join(ET.fromstring(f"<div>{html}</div>").itertext())
    return sum(count_units(text))


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=4), st.integers(min_value=10, max_value=200))
def test_summary_is_well_formed_and_bounded(paragraphs: list[str], limit: int) -> None:
    html = summarize([[Piece("text", p)] for p in paragraphs], limit)
    ET.fromstring(f"<div>{html}</div>")  # raises on malformed HTML
    total = sum(sum(count_units(p)) for p in paragraphs)
    if total <= limit:
        assert ELLIPSIS not in html or any(ELLIPSIS in p for p in paragraphs)
        assert units(html) == total
    else:
        assert html.endswith(f"{ELLIPSIS}</p>")
        assert limit * 0.6 <= units(html) <= limit


def test_summary_prefers_a_near_sentence_end() -> None:
    text = "第一句话在这里结束。" + "然后是一段很长的没有句号的文字" * 20
    html = summarize([[Piece("text", text)]], 12)
    assert html == "<p>第一句话在这里结束。…</p>"
    html = summarize([[Piece("text", "这是一句。" + "长" * 100)]], 50)
    # The only sentence end is too far back (4 of 50 units): cut at the limit instead.
    assert html == "<p>这是一句。" + "长" * 46 + "…</p>"


def test_summary_escapes_text_and_keeps_math_whole() -> None:
    pieces = [
        Piece("text", "a < b & "),
        Piece("html", "<math><mi>x</mi></math>"),
        Piece("code", "<x>"),
    ]
    assert (
        summarize([pieces], 50)
        == "<p>a &lt; b &amp; <math><mi>x</mi></math><code>&lt;x&gt;</code></p>"
    )


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(["中文", "$x_i$", "word", "。", "`code`", "**粗**", "\n", " "]),
        max_size=120,
    )
)
def test_post_summaries_are_well_formed_xml(words: list[str]) -> None:
    html = render("".join(words)).auto_summary_html
    root = ET.fromstring(f"<div>{html}</div>")
    assert all(child.tag == "p" for child in root)
    assert "$" not in "".join(root.itertext())

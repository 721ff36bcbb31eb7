"""`blogsite new`: a draft post with its front matter filled in, and a readable slug."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from blogsite.config import load_config
from blogsite.content import BUNDLE_INDEXES, CONTENT_DIR, POSTS_DIR, check_slug
from blogsite.errors import BlogsiteError

_WORD = re.compile(r"[a-z0-9]+")
_MAX_WORDS = 8  # a URL, not the whole title


class NewPostError(BlogsiteError):
    """The post cannot be created: it exists, or the slug is not usable."""


def slugify_title(title: str) -> str:
    """An ASCII slug: Han characters as toneless pinyin, other words kept, all lower case.

    `第一篇文章` → `di-yi-pian-wen-zhang`; `LeetCode 42. 接雨水` → `leetcode-42-jie-yu-shui`.
    Accents are dropped (`Café` → `cafe`). At most eight words. Empty when nothing is left.
    """
    # pypinyin keeps a run of non-Han text as one item: split it into words ourselves.
    pieces = lazy_pinyin(title, style=Style.NORMAL, errors="default", strict=False)
    words: list[str] = []
    for piece in pieces:
        ascii_text = unicodedata.normalize("NFKD", piece).encode("ascii", "ignore").decode()
        words.extend(_WORD.findall(ascii_text.lower()))
    return "-".join(words[:_MAX_WORDS])


def new_post(
    site_dir: Path,
    title: str,
    *,
    slug: str | None = None,
    bundle: bool = False,
    now: datetime | None = None,
) -> Path:
    """Write a draft post and return its path; refuses to touch an existing post."""
    title = title.strip()
    if not title:
        raise NewPostError("blogsite new", None, "the title is empty; write it in quotes")
    if not (site_dir / CONTENT_DIR).is_dir():
        raise NewPostError(
            site_dir,
            None,
            f"no `{CONTENT_DIR}/` folder here; run it in a site's folder, pass --source, "
            "or start a site with `blogsite init DIR`",
        )
    config = load_config(site_dir)
    moment = (now or datetime.now(config.tzinfo)).astimezone(config.tzinfo).replace(microsecond=0)
    if slug is None:
        slug = slugify_title(title) or f"post-{moment:%Y%m%d-%H%M%S}"
    else:
        problem = check_slug(slug)
        if problem:
            raise NewPostError("--slug", None, problem)
    posts = site_dir / CONTENT_DIR / POSTS_DIR
    # A post `a.md` and a bundle `a/index.md` would both be /posts/a/: one may exist.
    taken = [posts / f"{slug}{suffix}" for suffix in (".md", ".markdown")]
    taken += [posts / slug / name for name in BUNDLE_INDEXES]
    for path in taken:
        if path.exists():
            raise NewPostError(
                path,
                None,
                "already exists; nothing was written. Pick another title or pass --slug",
            )
    target = posts / slug / "index.md" if bundle else posts / f"{slug}.md"
    text = (
        "---\n"
        # JSON's quoted strings are valid YAML: `:` or `#` in a title stay text.
        f"title: {json.dumps(title, ensure_ascii=False)}\n"
        f"date: {moment.isoformat()}\n"
        "tags: []\n"
        "draft: true\n"
        "---\n\n"
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise NewPostError(target, None, "already exists; nothing was written") from None
    except OSError as exc:
        raise NewPostError(target, None, f"cannot write: {exc.strerror}") from None
    return target

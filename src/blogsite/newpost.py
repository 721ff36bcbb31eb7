"""`blogsite new`: a draft post with its front matter filled in, and a readable slug."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from blogsite.config import load_config
from blogsite.content import (
    CONTENT_DIR,
    MARKDOWN_SUFFIXES,
    POSTS_DIR,
    check_slug,
    discover,
    parse_front_matter,
)
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
    # Imported here: its dictionaries take 150 ms to load, which only `new` should pay.
    from pypinyin import Style, lazy_pinyin

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
    for path in [posts / f"{slug}{suffix}" for suffix in MARKDOWN_SUFFIXES] + [posts / slug]:
        # A folder of posts must not become a bundle by getting an index.md.
        if path.exists() and (bundle or path.is_file()):
            raise NewPostError(
                path, None, "already exists; nothing was written. Pick another title or --slug"
            )
    if (other := _post_with_slug(site_dir, slug, config.tzinfo)) is not None:
        raise NewPostError(
            other,
            None,
            f"already has the slug `{slug}`; nothing was written. Pick another title or --slug",
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


def _post_with_slug(site_dir: Path, slug: str, tz: ZoneInfo) -> Path | None:
    """The post that is already published at /posts/SLUG/, wherever it is below posts/."""
    for source in discover(site_dir):
        if source.kind != "post":
            continue
        try:
            taken = parse_front_matter(source, tz).slug
        except BlogsiteError:  # a broken post still holds its file name
            taken = source.name
        if taken == slug:
            return source.path
    return None

"""The link checker: every link and image of the built pages and feeds that stays on the
site must lead to a file the build publishes, and its `#fragment` to an element's id there.

It reads the outputs in memory, so `build`, `serve` and `check` run the same check; a
broken link is told at the Markdown line that wrote it when a post wrote it.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import sys
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from html import escape, unescape
from urllib.parse import unquote, urlsplit

from blogsite.config import Config
from blogsite.errors import Diagnostic
from blogsite.model import Post

# Comments and script bodies hold no links (a script's own `src` is in its start tag).
_HIDDEN = re.compile(r"<!--.*?-->|<script\b[^>]*>(.*?)</script\s*>", re.S | re.I)
# A URL or id attribute; it counts only inside a tag, after a space. Built text never
# holds a raw `<` or `"` (both are escaped), so prose that shows `href="x"` is not taken
# for a link. Lower case only, as HTML is written: a pattern without IGNORECASE is what
# keeps this fast (a whole post page is read in about 0.2 ms).
_ATTR = re.compile(r"(href|src|id|name)\s*=\s*")
_BARE = re.compile(r"""[^\s"'=<>`]+""")
_TAG = re.compile(r"""<[a-zA-Z][^\s/>]*(?:[^"'>]|"[^"]*"|'[^']*')*>""")
# A quote inside escaped HTML: as Jinja writes it, as other escapers do, or left bare.
_ESCAPED_URL = re.compile(r'\s(?:href|src)=(?:&#34;|&quot;|")(.*?)(?:&#34;|&quot;|")')
_LOC = re.compile(r"<loc>([^<]*)</loc>")
_WEB = ("http", "https")
# Fragments every page has: the top of the page (HTML's own rule) and text fragments.
_ALWAYS = ("", "top")


@dataclass(frozen=True)
class PageLinks:
    """What the checker needs of one page: the URLs it links to, and the ids it holds."""

    urls: tuple[str, ...]
    ids: frozenset[str]


def scan_page(text: str, feed: bool = False) -> PageLinks:
    """The link and image URLs of an HTML page (or an Atom feed or sitemap, whose HTML
    content is escaped text), unescaped and each once, and its elements' ids."""
    urls: dict[str, None] = {}
    ids: set[str] = set()
    _scan_html(text, urls, ids)
    if feed:
        # The entries' HTML is escaped text: its links are read as they stand there, not
        # by unescaping the whole feed (a feed of formulas holds half a million entities).
        for match in _ESCAPED_URL.finditer(text):
            urls[sys.intern(unescape(unescape(match[1])).strip())] = None
        urls.update(dict.fromkeys(unescape(m) for m in _LOC.findall(text)))
    return PageLinks(tuple(urls), frozenset(ids))


def _scan_html(text: str, urls: dict[str, None], ids: set[str]) -> None:
    hidden = []
    if "<!--" in text or "<script" in text or "<SCRIPT" in text:
        for match in _HIDDEN.finditer(text):
            # A script's start tag stays visible, for its `src`.
            hidden.append((match.start(1), match.end()) if match[1] is not None else match.span())
    spans = iter(hidden)
    span = next(spans, None)
    for match in _ATTR.finditer(text):
        start = match.start()
        while span is not None and span[1] <= start:
            span = next(spans, None)
        if (span is not None and span[0] <= start) or start == 0 or not text[start - 1].isspace():
            continue
        # Only inside a tag: the last `<` before the attribute must be after the last `>`,
        # or open a tag that reaches past it (a quoted value may hold a `>`).
        opened = text.rfind("<", 0, start)
        if opened < text.rfind(">", 0, start):
            tag = _TAG.match(text, opened) if opened >= 0 else None
            if tag is None or tag.end() <= start:
                continue
        at = match.end()
        quote = text[at : at + 1]
        if quote in ('"', "'"):
            close = text.find(quote, at + 1)
            if close < 0:
                continue
            value = text[at + 1 : close]
        else:
            bare = _BARE.match(text, at)
            if bare is None:
                continue
            value = bare[0]
        value = unescape(value) if "&" in value else value
        # Interned: the same few dozen URLs stand on every page, and the build cache then
        # stores each of them once.
        if match[1] in ("href", "src"):
            urls[sys.intern(value.strip())] = None
        else:
            ids.add(sys.intern(value))


@dataclass(frozen=True)
class SiteAddress:
    """Where the site lives: links to it by its full URL are its own links too."""

    root: str = "/"  # the site's path on its host, `/` or `/blog/`
    host: str = ""  # `example.com`, or "" when `base_url` names none

    @classmethod
    def of(cls, config: Config) -> SiteAddress:
        return cls(config.root_path, urlsplit(config.base_url).netloc)


def resolve(url: str, page: str, address: SiteAddress) -> tuple[str, str] | None:
    """(path below the site's root, fragment) that `url` on output `page` leads to; None
    for a link that leaves the site or cannot be checked (another host, `mailto:`)."""
    parts = urlsplit(url)  # ValueError for a malformed URL: the caller reports it
    if parts.scheme or parts.netloc:
        if parts.scheme.lower() not in ("http", "https", "") or parts.netloc != address.host:
            return None
        if not address.host:
            return None
    path = unquote(parts.path)
    fragment = unquote(parts.fragment)
    if not path:
        return _folder(page), fragment
    if path.startswith("/"):
        # `..` above the host's root stays at the root, as browsers do.
        path = posixpath.normpath(path) + ("/" if path.endswith("/") else "")
        path = "/" if path == "//" else path
        if not path.startswith(address.root) and path + "/" != address.root:
            return None  # elsewhere on the same host, such as another project's site
        rel = path[len(address.root) :]
    else:
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
        if rel == "..":
            return None
        rel = "" if rel == "." else rel + ("/" if path.endswith("/") else "")
        if rel.startswith("../"):
            return None  # above the site's root: another site on the same host
    return _folder(rel), fragment


def _folder(rel: str) -> str:
    """A folder's `index.html` named as the folder, so both spellings are one target."""
    if rel == "index.html" or rel.endswith("/index.html"):
        return rel.removesuffix("index.html")
    return rel


def target_file(rel: str, files: Collection[str]) -> str | None:
    """The output that a site path is served from, as static hosts do: a folder's
    `index.html`, also for a folder named without its trailing slash."""
    if rel == "" or rel.endswith("/"):
        key = rel + "index.html"
        return key if key in files else None
    if rel in files:
        return rel
    key = rel + "/index.html"
    return key if key in files else None


@dataclass(frozen=True)
class Broken:
    page: str  # the output holding the link
    url: str  # as it stands there
    target: tuple[str, str]  # (site path, fragment) it leads to
    reason: str


@dataclass(frozen=True)
class LinkReport:
    broken: tuple[Broken, ...] = ()
    checked: int = 0  # links to the site itself, counted once per page
    pages: int = 0
    external: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # URL → its pages


def check_links(
    pages: Mapping[str, PageLinks],
    files: Collection[str],
    address: SiteAddress,
    made_later: tuple[str, ...] = (),
) -> LinkReport:
    """Check every page's links against `files`, the outputs. A target starting with
    one of `made_later` is taken on trust (the search index, made after the check)."""
    broken = []
    checked = 0
    external: dict[str, list[str]] = {}
    # Pages share most of their links (the menu, the tags, the stylesheet): each URL is
    # resolved once per folder it is written in, or once at all when it starts with `/`.
    known: dict[object, tuple[str, str, str | None] | None] = {}
    for page, links in pages.items():
        folder = posixpath.dirname(page)
        for url in links.urls:
            memo_key: object = url if url[:1] == "/" and url[:2] != "//" else (folder, url)
            if url[:1] in ("#", "?", ""):  # the page itself
                memo_key = (page, url)
            if memo_key in known:
                found = known[memo_key]
            else:
                try:
                    target = resolve(url, page, address)
                except ValueError:
                    broken.append(Broken(page, url, (url, ""), "not a valid URL"))
                    continue
                if target is None:
                    found = None
                elif made_later and target[0].startswith(made_later):
                    found = (*target, "")  # taken on trust
                else:
                    found = (*target, target_file(target[0], files))
                known[memo_key] = found
            if found is None:
                if url[:4].lower() == "http" and url.split(":", 1)[0].lower() in _WEB:
                    external.setdefault(url, []).append(page)
                continue
            checked += 1
            rel, fragment, key = found
            if key is None:
                broken.append(Broken(page, url, (rel, fragment), _missing(rel)))
            elif key and fragment not in _ALWAYS and not fragment.startswith(":~:"):
                holder = pages.get(key)
                if holder is not None and fragment not in holder.ids:
                    where = "this page" if key == page else f"/{rel}"
                    reason = f'{where} has no element with id "{fragment}"'
                    broken.append(Broken(page, url, (rel, fragment), reason))
    return LinkReport(
        tuple(broken),
        checked,
        len(pages),
        {url: tuple(on) for url, on in external.items()},
    )


def _missing(rel: str) -> str:
    if rel.endswith((".md", ".markdown")):
        return "that is a Markdown file; link to the page it becomes (`/posts/slug/`)"
    return "nothing is published at this address"


def report_digest(pages: Mapping[str, str], files: Iterable[str], address: SiteAddress) -> str:
    """Of everything a check reads: each page's digest, the outputs' names, the address."""
    hasher = hashlib.blake2b(digest_size=16)
    hasher.update(repr(address).encode() + b"\0")
    for key in sorted(pages):
        hasher.update(f"{key}\0{pages[key]}\0".encode("utf-8", "surrogatepass"))
    for key in sorted(files):
        hasher.update(key.encode("utf-8", "surrogatepass") + b"\0")
    return hasher.hexdigest()


def link_diagnostics(
    broken: Iterable[Broken], posts: Iterable[Post], address: SiteAddress, what: str = "link"
) -> list[Diagnostic]:
    """Each broken link once, told where it was written: at the Markdown file's line for a
    post's own links (on its page, or in its excerpt and feed entry elsewhere), otherwise
    as a template's, with the pages it is on."""
    by_page = {post.path + "index.html": post for post in posts}
    by_target: dict[tuple[str, str], list[tuple[Post, str, int]]] | None = None
    found: dict[tuple[str, int | None, str], str] = {}
    templates: dict[tuple[str, str], list[str]] = {}
    # A post's own page first: what its links lack is said as seen from there.
    for item in sorted(broken, key=lambda item: item.page not in by_page):
        written = _written_by(by_page.get(item.page), item.url)
        if not written:
            if by_target is None:  # made only when a link is broken off its post's page
                by_target = _by_target(by_page, address)
            written = by_target.get(item.target, [])
            if not item.page.endswith(".xml"):  # a listing: the posts whose excerpt has it
                needle = escape(item.url, quote=False)
                written = [w for w in written if needle in w[0].excerpt]
        for post, url, line in written:
            found.setdefault((post.source.shown, line, url), item.reason)
        if not written:
            templates.setdefault((item.url, item.reason), []).append(item.page)
    diagnostics = [
        Diagnostic(path, line, f"broken {what} {url}: {reason}")
        for (path, line, url), reason in found.items()
    ]
    for (url, reason), on in templates.items():
        pages = f"/{_folder(on[0])}" + (f" and {len(on) - 1} more" if len(on) > 1 else "")
        message = f"broken {what} {url} on {pages}: {reason}; a template writes it"
        diagnostics.append(Diagnostic("templates", None, message))
    return diagnostics


def _written_by(post: Post | None, rendered: str) -> list[tuple[Post, str, int]]:
    """The post's own links that stand as `rendered` on its page, with their lines."""
    if post is None:
        return []
    return [(post, written, line) for written, url, line in post.rendered.links if url == rendered]


def _by_target(
    by_page: Mapping[str, Post], address: SiteAddress
) -> dict[tuple[str, str], list[tuple[Post, str, int]]]:
    """Every post's links by where they lead, as seen from its own page."""
    found: dict[tuple[str, str], list[tuple[Post, str, int]]] = {}
    for page, post in by_page.items():
        for written, url, line in post.rendered.links:
            try:
                target = resolve(url, page, address) or (url, "")  # another site's: as it is
            except ValueError:
                target = (url, "")  # not a URL at all
            found.setdefault(target, []).append((post, written, line))
    return found

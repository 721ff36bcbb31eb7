"""`blogsite check --external`: whether links to other sites still answer.

Off by default (it goes out to the network); each URL is asked once per run, by a few
threads at a time, with a timeout, and a URL that answered is not asked again for a day
(`.blogsite-cache/external.json`).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path

from blogsite import __version__

CACHE_NAME = "external.json"
# A link that answered is trusted this long before it is asked again.
KEEP_SECONDS = 24 * 3600
# Servers that refuse HEAD (or answer it wrongly) are asked again with GET.
_RETRY_WITH_GET = frozenset({400, 403, 405, 501})


@dataclass(frozen=True)
class ExternalOptions:
    timeout: float = 10.0  # seconds for one request
    workers: int = 8  # requests at a time
    cache: Path | None = None  # the file answers are kept in; None: keep none


def check_external(
    urls: Iterable[str],
    options: ExternalOptions,
    ask: Callable[[str, float], str | None] | None = None,
    now: Callable[[], float] = time.time,
) -> dict[str, str]:
    """The URLs among `urls` that do not answer, each with what went wrong."""
    ask = ask or ask_url
    known = _load(options.cache)
    started = now()
    fresh = {
        url
        for url, checked in known.items()
        if isinstance(checked, (int, float)) and started - checked < KEEP_SECONDS
    }
    todo = sorted(set(urls) - fresh)
    problems: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
        answers = pool.map(lambda url: ask(url, options.timeout), todo)
        for url, problem in zip(todo, answers, strict=True):
            if problem is None:
                known[url] = started
            else:
                problems[url] = problem
                known.pop(url, None)
    _save(options.cache, known)
    return problems


def ask_url(url: str, timeout: float) -> str | None:
    """None if `url` answers with a success (after redirects); else what went wrong."""
    status = None
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(
            url, method=method, headers={"User-Agent": f"blogsite/{__version__} (link check)"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                status = answer.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except urllib.error.URLError as exc:
            return f"cannot connect ({_reason(exc.reason)})"
        except TimeoutError:
            return f"no answer within {timeout:g} s"
        except (OSError, HTTPException, ValueError) as exc:
            return f"cannot fetch ({_reason(exc)})"
        if status not in _RETRY_WITH_GET:
            break
    if status is not None and status >= 400:
        return f"the server answers HTTP {status}"
    return None


def _reason(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return "timed out"
    text = getattr(reason, "strerror", None) or str(reason)
    return str(text)


def _load(path: Path | None) -> dict[str, float]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: ask again
    return data if isinstance(data, dict) else {}


def _save(path: Path | None, known: dict[str, float]) -> None:
    if path is None:
        return
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".external-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(known, out, indent=0, sort_keys=True)
        os.replace(temp, path)

"""The site's settings: `blogsite.yaml` read into a frozen `Config`."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from blogsite.errors import ConfigError
from blogsite.yamltext import load_mapping

CONFIG_NAME = "blogsite.yaml"


@dataclass(frozen=True)
class ProseRules:
    """`prose:` in blogsite.yaml: which checks of the Chinese writing are on."""

    # A space between Chinese and Latin letters, digits or `code` (a house style: some
    # write 用int计算, most Chinese tech writing 用 int 计算).
    spacing: bool = True
    punctuation: bool = True  # full-width ，；：？！（） in Chinese, half-width in English
    quotes: bool = True  # “…” for straight "…" in Chinese
    dashes: bool = True  # —— for a single — in Chinese
    strict: bool = False  # `build --strict` fails on a finding (else they never fail it)


PROSE_RULES = tuple(f.name for f in fields(ProseRules))


@dataclass(frozen=True)
class Config:
    """Everything `blogsite.yaml` can set; every key is optional."""

    title: str = "My Blog"
    description: str = ""
    author: str = ""
    language: str = "en"
    base_url: str = "/"  # unset: links are root-relative and no absolute URL is known
    paginate: int = 12
    timezone: str = "UTC"
    index_heading: str = "Latest updates"
    summary_length: int = 150
    code_timeout: float = 10.0  # seconds for all of a post's runnable code blocks
    linkify: bool = True  # bare URLs and e-mail addresses in the text become links
    # `math: {macros: {RR: "\\mathbb{R}"}}`: TeX macros for every formula of the site.
    math_macros: tuple[tuple[str, str], ...] = ()
    math_line: int | None = field(default=None, compare=False)  # where `math:` stands
    prose: ProseRules = ProseRules()

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def root_path(self) -> str:
        """The path part of `base_url`, always ending in `/` (e.g. `/blog/`)."""
        stripped = urlsplit(self.base_url).path.strip("/")
        return f"/{stripped}/" if stripped else "/"


_TYPES: dict[str, type] = {
    f.name: type(f.default) for f in fields(Config) if not f.name.startswith("math_")
}
_TYPES["math"] = dict
_TYPES["prose"] = dict
_MACRO_NAME = re.compile(r"[A-Za-z]+")


def load_config(site_dir: Path) -> Config:
    """Read `site_dir/blogsite.yaml`; a missing file means all defaults."""
    path = site_dir / CONFIG_NAME
    if not path.is_file():
        return Config()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(path, line, "not valid UTF-8; save the file as UTF-8") from None
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read the file: {exc.strerror}") from None
    data, lines = load_mapping(text, path, error=ConfigError)
    return make_config(data, lines, path)


def make_config(data: dict[str, Any], lines: dict[str, int], path: Path | str) -> Config:
    """Validate a parsed mapping into a `Config`, naming the line of any bad key."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = lines.get(key)
        if key not in _TYPES:
            close = difflib.get_close_matches(key, _TYPES, n=1, cutoff=0.5)
            hint = f"did you mean `{close[0]}`?" if close else f"valid keys: {', '.join(_TYPES)}"
            raise ConfigError(path, line, f"unknown key `{key}`; {hint}")
        expected = _TYPES[key]
        if key == "math":
            values["math_macros"] = _math_macros(value, path, line)
            values["math_line"] = line
            continue
        if key == "prose":
            values["prose"] = _prose_rules(value, path, line)
            continue
        if expected is bool and not isinstance(value, bool):
            raise ConfigError(
                path, line, f"`{key}` must be true or false, not {value!r}; {_EXAMPLES[key]}"
            )
        if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(
                path, line, f"`{key}` must be a whole number, not {value!r}; {_EXAMPLES[key]}"
            )
        if expected is float:
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ConfigError(
                    path, line, f"`{key}` must be a number above 0, not {value!r}; {_EXAMPLES[key]}"
                )
            value = float(value)
        if expected is str:
            if value is None:
                value = ""
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                example = _EXAMPLES.get(key, f"write it like `{key}: some text`")
                raise ConfigError(path, line, f"`{key}` must be text, not {value!r}; {example}")
            value = str(value)
        values[key] = value
    for key, check in _CHECKS.items():
        if key in values:
            try:
                values[key] = check(values[key])
            except ValueError as exc:
                raise ConfigError(path, lines.get(key), f"{exc}; {_EXAMPLES[key]}") from None
    return Config(**values)


def _math_macros(value: Any, path: Path | str, line: int | None) -> tuple[tuple[str, str], ...]:
    """`math: {macros: {name: TeX}}` → ((name, TeX), …); a name may be written `\\name`."""
    example = 'write it like `math: {macros: {RR: "\\\\mathbb{R}"}}`'
    if value is None:
        return ()
    if not isinstance(value, dict) or set(value) - {"macros"}:
        raise ConfigError(path, line, f"`math` takes one key, `macros`; {example}")
    macros = value.get("macros") or {}
    if not isinstance(macros, dict):
        raise ConfigError(path, line, f"`math: macros` must be a mapping; {example}")
    found = []
    for name, body in macros.items():
        bare = str(name).removeprefix("\\")
        if not _MACRO_NAME.fullmatch(bare):
            raise ConfigError(
                path, line, f"math macro name {name!r} must be letters only; {example}"
            )
        if not isinstance(body, str | int | float) or isinstance(body, bool):
            raise ConfigError(path, line, f"math macro `\\{bare}` must be TeX text; {example}")
        found.append((bare, str(body)))
    return tuple(found)


def _prose_rules(value: Any, path: Path | str, line: int | None) -> ProseRules:
    """`prose: {spacing: false, strict: true}` → `ProseRules`; each key is on or off."""
    example = "write it like `prose: {spacing: true, quotes: true, strict: false}`"
    if value is None:
        return ProseRules()
    if not isinstance(value, dict):
        raise ConfigError(path, line, f"`prose` must be a mapping of rules; {example}")
    for key, on in value.items():
        if key not in PROSE_RULES:
            raise ConfigError(
                path, line, f"unknown prose rule `{key}`; the rules: {', '.join(PROSE_RULES)}"
            )
        if not isinstance(on, bool):
            raise ConfigError(path, line, f"`prose: {key}` must be true or false, not {on!r}")
    return ProseRules(**value)


def check_base_url(value: str) -> str:
    """An absolute http(s) URL with a host, ending in `/` (the slash is added if missing).

    `/` and an empty value mean the key is unset: links stay root-relative.
    """
    text = value.strip()
    if text in ("", "/"):
        return "/"
    parts = urlsplit(text)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ValueError(f"`base_url` must be an absolute http(s) URL with a host, not {value!r}")
    if any(ch.isspace() for ch in text) or "@" in parts.netloc:
        raise ValueError(f"`base_url` cannot hold spaces or a user name: {value!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"`base_url` cannot have a query or a fragment: {value!r}")
    if "." in parts.path.rstrip("/").rpartition("/")[2]:
        raise ValueError(f"`base_url` must name the site's folder, not a file: {value!r}")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


# RFC 5646's `Language-Tag` grammar: language, script, region, variants, extensions, private
# use. Primary subtags of 4 to 8 letters are well-formed but none is registered (`chinese`).
_BCP47 = re.compile(
    r"[a-z]{2,3}(?:-[a-z]{3}){0,3}"
    r"(?:-[a-z]{4})?"
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"
    r"(?:-[a-wyz0-9](?:-[a-z0-9]{2,8})+)*"
    r"(?:-x(?:-[a-z0-9]{1,8})+)?"
    r"|x(?:-[a-z0-9]{1,8})+",
    re.IGNORECASE | re.ASCII,
)


def check_language(value: str) -> str:
    """A well-formed BCP 47 language tag (`zh-CN`, `en`, `zh-Hans`)."""
    if _BCP47.fullmatch(value):
        return value
    if _BCP47.fullmatch(value.replace("_", "-")):
        raise ValueError(f"`language` {value!r} uses `_`; BCP 47 tags use `-`")
    raise ValueError(f"`language` must be a BCP 47 language tag, not {value!r}")


def check_timezone(value: str) -> str:
    """An IANA zone name that this machine's zone database (or tzdata) knows."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # `asia/shanghai` is a common slip: name the zone it meant.
        same = [zone for zone in available_timezones() if zone.lower() == value.lower()]
        hint = f" (did you mean `{same[0]}`?)" if same else ""
        raise ValueError(f"unknown timezone {value!r}{hint}") from None
    return value


def _at_least(key: str, low: int) -> Callable[[int], int]:
    def check(value: int) -> int:
        if value < low:
            raise ValueError(f"`{key}` must be at least {low}, not {value}")
        return value

    return check


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "base_url": check_base_url,
    "language": check_language,
    "timezone": check_timezone,
    "paginate": _at_least("paginate", 1),
    "summary_length": _at_least("summary_length", 10),
}
# Shown with every error about a key, so the fix can be copied.
_EXAMPLES = {
    "base_url": "write the address the site will have, like "
    "`base_url: https://user.github.io/blog/`, or leave the key out to build for the root of "
    "any host",
    "language": "write a tag like `language: zh-CN`, `zh-Hans`, `en` or `ja`",
    "timezone": "write an IANA name like `timezone: Asia/Shanghai` or `timezone: UTC`",
    "paginate": "write a whole number like `paginate: 12`",
    "summary_length": "write a whole number like `summary_length: 150`",
    "code_timeout": "write seconds like `code_timeout: 30`",
    "linkify": "write `linkify: false` to keep bare URLs as text",
}


def with_base_url(config: Config, base_url: str | None) -> Config:
    """The config with `base_url` replaced by a command-line override (checked the same way)."""
    if base_url is None:
        return config
    try:
        checked = check_base_url(base_url)
    except ValueError as exc:
        message = str(exc).replace("`base_url` ", "", 1)
        raise ConfigError(
            "--base-url",
            None,
            f"{message}; give one like `--base-url https://user.github.io/blog/`",
        ) from None
    return replace(config, base_url=checked)

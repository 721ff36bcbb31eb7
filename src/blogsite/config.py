"""The site's settings: `blogsite.yaml` read into a frozen `Config`."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from blogsite.errors import ConfigError
from blogsite.yamltext import load_mapping

CONFIG_NAME = "blogsite.yaml"


@dataclass(frozen=True)
class Config:
    """Everything `blogsite.yaml` can set; every key is optional."""

    title: str = "My Blog"
    description: str = ""
    author: str = ""
    language: str = "en"
    base_url: str = "/"
    paginate: int = 12
    timezone: str = "UTC"
    index_heading: str = "Latest updates"
    summary_length: int = 150

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def root_path(self) -> str:
        """The path part of `base_url`, always ending in `/` (e.g. `/blog/`)."""
        stripped = urlsplit(self.base_url).path.strip("/")
        return f"/{stripped}/" if stripped else "/"


_TYPES: dict[str, type] = {f.name: type(f.default) for f in fields(Config)}


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
        if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(path, line, f"`{key}` must be a whole number, not {value!r}")
        if expected is str:
            if value is None:
                value = ""
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                raise ConfigError(path, line, f"`{key}` must be text, not {value!r}")
            value = str(value)
        values[key] = value
    config = Config(**values)
    if config.paginate < 1:
        raise ConfigError(path, lines.get("paginate"), "`paginate` must be at least 1")
    if config.summary_length < 10:
        raise ConfigError(path, lines.get("summary_length"), "`summary_length` must be at least 10")
    try:
        config.tzinfo  # noqa: B018 - validate the zone name now, not mid-build
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(
            path,
            lines.get("timezone"),
            f"unknown timezone `{config.timezone}`; use an IANA name such as `Asia/Shanghai`",
        ) from None
    return config


def with_base_url(config: Config, base_url: str | None) -> Config:
    """The config with `base_url` replaced by a command-line override."""
    return config if base_url is None else replace(config, base_url=base_url)

from pathlib import Path

import pytest

from blogsite.config import Config, load_config, with_base_url
from blogsite.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "blogsite.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config == Config()
    assert config.paginate == 12
    assert config.index_heading == "Latest updates"


def test_every_key_is_read(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            "title: 学习笔记\ndescription: d\nauthor: a\nlanguage: zh-CN\n"
            "base_url: https://example.org/blog/\npaginate: 5\ntimezone: Asia/Shanghai\n"
            "index_heading: 最近更新\nsummary_length: 80\n",
        )
    )
    assert (config.title, config.language, config.paginate) == ("学习笔记", "zh-CN", 5)
    assert config.tzinfo.key == "Asia/Shanghai"
    assert config.root_path == "/blog/"
    assert (config.index_heading, config.summary_length) == ("最近更新", 80)


def test_unknown_key_names_the_nearest_one_and_its_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "title: x\npaginte: 10\n"))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'blogsite.yaml'}:2:")
    assert "`paginate`" in message


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("paginate: many\n", 1, "whole number"),
        ("paginate: 0\n", 1, "at least 1"),
        ("title: x\ntimezone: Mars/Olympus\n", 2, "timezone"),
        ("title: [a, b]\n", 1, "text"),
        ("title: x\n  bad: [\n", 2, "YAML"),
        ("- a\n- b\n", 1, "key: value"),
    ],
)
def test_bad_values_are_reported_with_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert f"blogsite.yaml:{line}:" in str(caught.value)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("base_url", "root"),
    [
        ("/", "/"),
        ("https://x.org", "/"),
        ("https://x.org/", "/"),
        ("https://x.org/a/b", "/a/b/"),
        ("/blog", "/blog/"),
    ],
)
def test_root_path_of_base_url(base_url: str, root: str) -> None:
    assert Config(base_url=base_url).root_path == root


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://user.github.io/blog", "https://user.github.io/blog/"),
        ("https://user.github.io/blog/", "https://user.github.io/blog/"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/"),
        ("https://例子.中国/博客/", "https://例子.中国/博客/"),
    ],
)
def test_base_url_gets_its_trailing_slash(tmp_path: Path, given: str, kept: str) -> None:
    config = load_config(write(tmp_path, f"base_url: {given}\n"))
    assert config.base_url == kept
    assert config.root_path.endswith("/")


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("base_url: user.github.io/blog/", "`base_url: https://user.github.io/blog/`"),
        ("base_url: //x.org/", "absolute http(s) URL"),
        ("base_url: https://x.org:http/", "absolute http(s) URL"),
        ("base_url: http://exa mple.org/", "spaces"),
        ("base_url: https://me:secret@x.org/", "user name"),
        ("base_url: https://x.org/blog/index.html", "not a file"),
        ("language: [zh]", "`language: zh-CN`"),
        ("base_url: https://x.org/?a=1", "query"),
        ("language: 中文", "`language: zh-CN`"),
        ("language: chinese", "BCP 47"),
        ("language: zh_CN", "use `-`"),
        ("timezone: Beijing", "`timezone: Asia/Shanghai`"),
        ("timezone: asia/shanghai", "did you mean `Asia/Shanghai`?"),
        ("paginate: 0", "`paginate: 12`"),
        ("paginate: 1.5", "`paginate: 12`"),
        ("summary_length: 3", "`summary_length: 150`"),
        ("linkify: no-thanks", "`linkify: false`"),
        ("prose: {quote: false}", "unknown prose rule `quote`"),
        ("prose: {spacing: 0}", "must be true or false"),
    ],
)
def test_each_bad_setting_says_how_to_fix_it(tmp_path: Path, line: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, f"title: x\n{line}\n"))
    assert str(caught.value).startswith(f"{tmp_path / 'blogsite.yaml'}:2: ")
    assert words in str(caught.value)


@pytest.mark.parametrize("tag", ["zh-CN", "zh-Hans", "zh-Hant-TW", "en", "en-US", "ja", "yue"])
def test_real_language_tags_are_accepted(tmp_path: Path, tag: str) -> None:
    assert load_config(write(tmp_path, f"language: {tag}\n")).language == tag


@pytest.mark.parametrize("unset", ["base_url: /", "base_url:", "base_url: ''"])
def test_base_url_slash_or_empty_means_unset(tmp_path: Path, unset: str) -> None:
    assert load_config(write(tmp_path, f"{unset}\n")).base_url == Config().base_url == "/"


def test_base_url_override_is_checked_like_the_setting() -> None:
    assert with_base_url(Config(), "https://x.org/blog").base_url == "https://x.org/blog/"
    with pytest.raises(ConfigError) as caught:
        with_base_url(Config(), "x.org/blog")
    assert str(caught.value).startswith("--base-url: must be an absolute http(s) URL")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('title: "x\nauthor: me\n', 1, "quote"),
        ("title: x\nauthor: 'me\ndescription: d\n", 2, "quote"),
        ("title: x\nnav: [a, b\ndescription: d\n", 2, "`[`"),
        ("title: x\nnav: {a: 1\n", 2, "`{`"),
        ("title: x\ndescription: a: b\n", 2, "quote a value"),
        ("title: x\n  author: me\n", 2, "indentation"),
    ],
)
def test_yaml_errors_name_the_line_of_the_mistake(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert f"blogsite.yaml:{line}: YAML error" in str(caught.value)
    assert words in str(caught.value)

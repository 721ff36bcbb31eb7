from pathlib import Path

import pytest

from blogsite.config import Config, load_config
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

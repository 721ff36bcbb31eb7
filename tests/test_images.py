"""Image sizes read at build time, and lone images as figures."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from conftest import post

from blogsite.images import ImageInfo, read_image_info


def png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 760 520"/>'
SVG_SIZED = b'<?xml version="1.0"?>\n<svg width="300px" height="150" viewBox="0 0 10 5">'
DARK_SVG = '<svg viewBox="0 0 20 10"><style>@media (prefers-color-scheme: dark){}</style></svg>'
WEBP = b"RIFF\0\0\0\0WEBPVP8X" + bytes(8) + (99).to_bytes(3, "little") + (49).to_bytes(3, "little")


@pytest.mark.parametrize(
    ("name", "data", "info"),
    [
        ("a.svg", b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 760 520"/>', (760, 520)),
        (
            "b.svg",
            b'<?xml version="1.0"?>\n<svg width="300px" height="150" viewBox="0 0 10 5">',
            (300, 150),
        ),
        ("c.svg", b'<svg width="400" viewBox="0,0,200,100"></svg>', (400, 200)),
        ("d.png", png(640, 480), (640, 480)),
        ("e.gif", b"GIF89a" + struct.pack("<HH", 33, 17) + b"\x00" * 8, (33, 17)),
        ("f.jpg", jpeg(1200, 800), (1200, 800)),
        (
            "g.webp",
            b"RIFF\x00\x00\x00\x00WEBPVP8X"
            + b"\x00" * 8
            + (99).to_bytes(3, "little")
            + (49).to_bytes(3, "little"),
            (100, 50),
        ),
    ],
)
def test_sizes_from_the_files_headers(tmp_path: Path, name: str, data: bytes, info: tuple) -> None:
    (tmp_path / name).write_bytes(data)
    read = read_image_info(tmp_path / name)
    assert read is not None and (read.width, read.height) == info


def test_unknown_or_broken_images_have_no_size(tmp_path: Path) -> None:
    for name, data in (
        ("x.svg", b"<svg viewBox='0 0 0 0'/>"),
        ("y.png", b"not a png"),
        ("z.svg", b""),
    ):
        (tmp_path / name).write_bytes(data)
        assert read_image_info(tmp_path / name) is None
    assert read_image_info(tmp_path / "missing.png") is None


def test_an_svg_with_its_own_dark_styles_is_known(tmp_path: Path) -> None:
    (tmp_path / "d.svg").write_text(
        '<svg viewBox="0 0 10 10"><style>@media (prefers-color-scheme: dark) {}</style></svg>'
    )
    assert read_image_info(tmp_path / "d.svg") == ImageInfo(10, 10, dark_aware=True)


def test_images_get_their_size_and_lone_ones_become_figures(make_site) -> None:
    site = make_site(
        {
            "content/posts/a/index.md": post(
                "A",
                body="![分块示意](tiling.svg)\n\n"
                '![](dark.svg "自带暗色的图")\n\n'
                "句中的图 ![小图](photo.png) 不是 figure。\n\n"
                "![无说明](photo.png)\n",
            ),
            "content/posts/a/tiling.svg": SVG.decode(),
            "content/posts/a/dark.svg": DARK_SVG,
            "content/posts/a/photo.png": png(64, 32),
        }
    )
    assert site.build("--no-search").code == 0
    content = site.html("posts/a/").select_one(".content")
    figures = content.find_all("figure")
    assert len(figures) == 3
    first, second, third = figures
    assert first.select_one("a.figure-link")["href"] == "tiling.svg"
    img = first.find("img")
    assert (img["width"], img["height"], img["class"]) == ("760", "520", ["diagram"])
    assert first.figcaption.get_text() == "分块示意"
    assert second.figcaption.get_text() == "自带暗色的图"
    assert "class" not in second.find("img").attrs  # it styles itself in dark mode
    assert third.figcaption.get_text() == "无说明"
    inline = content.find("p").find("img")
    assert inline is not None and inline.find_parent("figure") is None
    assert (inline["width"], inline["height"]) == ("64", "32")
    assert all(img.has_attr("width") and img.has_attr("height") for img in content.find_all("img"))
    # No empty paragraph is left where a figure was.
    assert not [p for p in content.find_all("p") if not p.get_text(strip=True) and not p.find(True)]

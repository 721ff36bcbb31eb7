"""What the build needs to know about a post's images: their size, read from the file.

A page whose images have `width` and `height` does not jump while they load. Reading the
few header bytes of PNG, GIF, JPEG and WebP, and an SVG's `viewBox`, needs no imaging
library.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

_SVG_ROOT = re.compile(rb"<svg\b[^>]*>", re.DOTALL)
_ATTR = re.compile(rb"""\b(width|height|viewBox)\s*=\s*["']([^"']*)["']""")
_LENGTH = re.compile(rb"^\s*([0-9.]+)\s*(px)?\s*$")
# An SVG that styles itself for dark mode needs no help from the theme.
_OWN_DARK = re.compile(rb"prefers-color-scheme\s*:\s*dark")


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    dark_aware: bool = False  # an SVG with its own dark-mode styles


def read_image_info(path: Path) -> ImageInfo | None:
    """The intrinsic size of an image file, or None if it cannot be told."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return None
    suffix = path.suffix.lower()
    if suffix == ".svg":
        return _svg(head)
    for reader in (_png, _gif, _jpeg, _webp):
        size = reader(head)
        if size is not None:
            return ImageInfo(*size)
    return None


def _svg(data: bytes) -> ImageInfo | None:
    root = _SVG_ROOT.search(data)
    if root is None:
        return None
    attrs = {name.decode(): value for name, value in _ATTR.findall(root.group(0))}
    dark = bool(_OWN_DARK.search(data))
    width, height = _length(attrs.get("width")), _length(attrs.get("height"))
    if width and height:
        return ImageInfo(round(width), round(height), dark)
    box = attrs.get("viewBox", b"").replace(b",", b" ").split()
    try:
        box_width, box_height = float(box[2]), float(box[3])
    except (IndexError, ValueError):
        return None
    if box_width <= 0 or box_height <= 0:
        return None
    if width:  # one given: keep the viewBox's proportions
        return ImageInfo(round(width), round(width * box_height / box_width), dark)
    return ImageInfo(round(box_width), round(box_height), dark)


def _length(value: bytes | None) -> float | None:
    match = _LENGTH.match(value or b"")
    return float(match.group(1)) if match and float(match.group(1)) > 0 else None


def _png(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    return None


def _gif(data: bytes) -> tuple[int, int] | None:
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", data[6:10])
    return None


def _jpeg(data: bytes) -> tuple[int, int] | None:
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        # Start-of-frame markers hold the size; C4, C8 and CC are other tables.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


def _webp(data: bytes) -> tuple[int, int] | None:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None

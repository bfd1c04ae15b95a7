"""Draw the Teams app icons as PNGs with only the standard library (Pillow is not a dependency).

color.png 192x192: a white figure of a child on the accent colour, inside a white ring.
outline.png 32x32: the same ring and figure in white on a transparent background.
Run: python tools/teams/make_icons.py  (writes manifest/teams/color.png and outline.png)
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "manifest" / "teams"
ACCENT = (29, 112, 184, 255)  # #1D70B8
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)


def png(width: int, height: int, pixel) -> bytes:
    """An RGBA PNG whose pixel (x, y) colour comes from `pixel`."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def glyph(u: float, v: float) -> bool:
    """True where the white shape is, for u, v in [0, 1): a ring around a head and a body."""
    dx, dy = u - 0.5, v - 0.5
    r = math.hypot(dx, dy)
    ring = 0.40 <= r <= 0.47
    head = math.hypot(u - 0.5, v - 0.36) <= 0.09
    body = 0.48 <= v <= 0.72 and abs(u - 0.5) <= 0.05 + (v - 0.48) * 0.55
    return ring or head or body


def main() -> None:
    """Write both icons."""
    OUT.mkdir(parents=True, exist_ok=True)
    color = png(192, 192, lambda x, y: WHITE if glyph((x + 0.5) / 192, (y + 0.5) / 192) else ACCENT)
    outline = png(32, 32, lambda x, y: WHITE if glyph((x + 0.5) / 32, (y + 0.5) / 32) else CLEAR)
    (OUT / "color.png").write_bytes(color)
    (OUT / "outline.png").write_bytes(outline)


if __name__ == "__main__":
    main()

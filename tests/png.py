"""Just enough PNG decoding to look at a browser screenshot: 8-bit RGB or RGBA, not interlaced.

The standard library has zlib but no image decoder, and the page test needs only the pixels' colours.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {2: 3, 6: 4}  # colour type: RGB, RGBA


def colours(path: Path) -> tuple[int, int, set[tuple[int, int, int]]]:
    """(width, height, the distinct RGB colours of its pixels)."""
    data = path.read_bytes()
    assert data[:8] == SIGNATURE, f"{path} is not a PNG"
    header, compressed = b"", b""
    position = 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind, body = data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        header = body if kind == b"IHDR" else header
        compressed += body if kind == b"IDAT" else b""
        position += 12 + length
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour_type in CHANNELS and interlace == 0, "unsupported PNG layout"
    step = CHANNELS[colour_type]
    raw = zlib.decompress(compressed)
    stride = width * step
    found: set[tuple[int, int, int]] = set()
    prior = bytes(stride)
    for row in range(height):
        start = row * (stride + 1)
        line = unfilter(raw[start], raw[start + 1 : start + 1 + stride], prior, step)
        found.update(zip(line[0::step], line[1::step], line[2::step], strict=True))
        prior = line
    return width, height, found


def unfilter(kind: int, line: bytes, prior: bytes, step: int) -> bytes:
    """Undo one scanline's filter (PNG spec, section 9)."""
    if kind == 0:
        return line
    if kind == 2:
        return bytes([(a + b) & 255 for a, b in zip(line, prior, strict=True)])
    out = bytearray(line)
    for i in range(len(out)):
        left = out[i - step] if i >= step else 0
        up = prior[i]
        if kind == 1:
            out[i] = (out[i] + left) & 255
        elif kind == 3:
            out[i] = (out[i] + (left + up) // 2) & 255
        else:
            corner = prior[i - step] if i >= step else 0
            guess = left + up - corner
            pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
            out[i] = (out[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
    return bytes(out)

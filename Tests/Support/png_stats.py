#!/usr/bin/env python3
"""Prints "WIDTH HEIGHT DISTINCT_COLOURS NON_WHITE_SHARE" of an 8-bit RGB/RGBA PNG (stdlib only).

Used to check that a browser screenshot of a report is not blank.
"""
import struct
import sys
import zlib


def rows(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, "only 8-bit RGB/RGBA, not interlaced"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        previous = line
        yield width, height, bpp, line


colours, non_white, total, size = set(), 0, 0, (0, 0)
for width, height, bpp, line in rows(sys.argv[1]):
    size = (width, height)
    for x in range(0, width * bpp, bpp * 4):  # every 4th pixel is plenty
        pixel = bytes(line[x:x + 3])
        colours.add(pixel)
        total += 1
        if pixel != b"\xff\xff\xff":
            non_white += 1
print(size[0], size[1], len(colours), round(non_white / max(total, 1), 4))

"""Tiny, valid media payloads the scripted model returns as inline data.

Built once from bytes (not copied from anywhere): a 1x1 PNG, a 10 ms WAV,
a one-page PDF and an MP4 consisting of ``ftyp`` + ``moov`` + ``mdat`` boxes.
They are small enough to keep streams short and real enough that a client
decoding them (``base64`` + a sniff of the magic bytes) succeeds.
"""

from __future__ import annotations

import base64
import struct
import zlib


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\x1a\x73\xe8")  # filter byte + one blue pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _wav(rate: int = 8000, samples: int = 80) -> bytes:
    data = b"\x00\x00" * samples
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def _mp4() -> bytes:
    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    ftyp = box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    mvhd = box(b"mvhd", b"\x00" * 4 + struct.pack(">IIII", 0, 0, 1000, 0) + b"\x00\x01\x00\x00\x01\x00"
               + b"\x00" * 10 + b"\x00\x01\x00\x00" + b"\x00" * 12 + b"\x00\x01\x00\x00" + b"\x00" * 12
               + b"\x40\x00\x00\x00" + b"\x00" * 24 + struct.pack(">I", 2))
    return ftyp + box(b"moov", mvhd) + box(b"mdat", b"")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


#: block type -> (mime_type, base64 data)
MEDIA: dict[str, tuple[str, str]] = {
    "image": ("image/png", b64(_png())),
    "audio": ("audio/wav", b64(_wav())),
    "document": ("application/pdf", b64(_pdf())),
    "video": ("video/mp4", b64(_mp4())),
}

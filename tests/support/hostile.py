"""Hostile bodies for tests: gzip bombs built in milliseconds, drips, forged callbacks.

A bomb of N MiB of zeros is not compressed byte by byte: the deflate block that encodes one MiB
of zeros after a window of zeros is position-independent, so it is compressed once and
repeated. The result is a valid gzip member (header, blocks, final block, CRC and size).
"""

from __future__ import annotations

import struct
import zlib

MIB = 1 << 20


def gzip_zeros(mib: int) -> bytes:
    """A gzip member that decodes to `mib` MiB of zero bytes."""
    zero = bytes(MIB)
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = packer.compress(zero) + packer.flush(zlib.Z_SYNC_FLUSH)
    again = packer.compress(zero) + packer.flush(zlib.Z_SYNC_FLUSH)
    last = packer.flush()[:-8]  # the final (empty) block, without the 2 MiB trailer
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zero, crc)
    trailer = struct.pack("<II", crc, (mib * MIB) & 0xFFFFFFFF)
    return first + again * (mib - 1) + last + trailer


def gzip_of(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return packer.compress(data) + packer.flush()


def bomb(mib: int, layers: int = 2) -> bytes:
    """`layers` of gzip around `mib` MiB of zeros (`Content-Encoding: gzip, gzip` for 2)."""
    body = gzip_zeros(mib)
    for _ in range(layers - 1):
        body = gzip_of(body)
    return body

#!/usr/bin/env python3
"""Makes the product image's factory record (board/common/include/itdd/board/provisioning.h):
the random source's 32-byte seed and the clinic's first programmer (its role and X25519 public
key), 80 bytes with a CRC-32, written at manufacture into the board's factory page (under QEMU:
`-device loader,file=RECORD,addr=0x3F000,force-raw=on`).

usage: provisioning_record.py --seed HEX64 --role clinician|patient|service --key HEX64 --out FILE
  --seed  64 hexadecimal digits from a true random source (not one byte repeated)
  --key   the programmer's public key, as `itdd programmer keygen` prints it
"""
import argparse
import struct
import sys
import zlib

MAGIC = b"ITDP"
VERSION = 1
SIZE = 80
ROLES = {"clinician": 1, "patient": 2, "service": 3}


def hex32(text, what):
    try:
        value = bytes.fromhex(text.strip())
    except ValueError:
        value = b""
    if len(value) != 32:
        sys.exit(f"{what} takes 64 hexadecimal digits (32 bytes); got {text!r}")
    return value


def record(seed, role, key):
    body = MAGIC + struct.pack("<HH", VERSION, SIZE) + seed + bytes([ROLES[role], 0, 0, 0]) + key
    return body + struct.pack("<I", zlib.crc32(body))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", required=True)
    p.add_argument("--role", required=True, choices=sorted(ROLES))
    p.add_argument("--key", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    seed = hex32(a.seed, "--seed")
    if len(set(seed)) == 1:
        sys.exit("--seed is one byte repeated: give the board real entropy")
    key = hex32(a.key, "--key")
    if key == bytes(32):
        sys.exit("--key is zero: give the programmer's public key")
    data = record(seed, a.role, key)
    assert len(data) == SIZE
    with open(a.out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()

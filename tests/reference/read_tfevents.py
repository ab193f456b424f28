#!/usr/bin/env python3
"""read_tfevents.py — decode TensorBoard event files in pure Python (struct + a CRC-32C here).

A cross-check for engine/tensorboard.cpp that needs neither tensorflow nor tensorboard nor
protobuf: verifies both masked CRCs of every TFRecord and decodes the Event fields the engine
writes (wall_time, step, file_version, summary.value[].tag / simple_value).

    python3 tests/reference/read_tfevents.py runs/clmr_0            # every events file below
    python3 tests/reference/read_tfevents.py FILE --json            # one JSON object per event

Exits 1 on a damaged file (bad CRC, truncated record, malformed protobuf).
"""
import json
import os
import struct
import sys


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked(c: int) -> int:
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def records(blob: bytes):
    p = 0
    while p < len(blob):
        if p + 12 > len(blob):
            raise ValueError(f"truncated record header at byte {p}")
        (n,) = struct.unpack_from("<Q", blob, p)
        (len_crc,) = struct.unpack_from("<I", blob, p + 8)
        if masked(crc32c(blob[p:p + 8])) != len_crc:
            raise ValueError(f"length CRC mismatch at byte {p}")
        if p + 12 + n + 4 > len(blob):
            raise ValueError(f"truncated record at byte {p}")
        data = blob[p + 12:p + 12 + n]
        (data_crc,) = struct.unpack_from("<I", blob, p + 12 + n)
        if masked(crc32c(data)) != data_crc:
            raise ValueError(f"data CRC mismatch at byte {p}")
        yield data
        p += 12 + n + 4


def fields(buf: bytes):
    """Yields (field number, wire type, value) with value an int (varint), bytes (fixed or
    length-delimited)."""
    p = 0

    def varint():
        nonlocal p
        v, shift = 0, 0
        while True:
            if p >= len(buf) or shift >= 64:
                raise ValueError("bad varint")
            b = buf[p]
            p += 1
            v |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return v

    while p < len(buf):
        key = varint()
        num, wire = key >> 3, key & 7
        if wire == 0:
            yield num, wire, varint()
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if p + size > len(buf):
                raise ValueError("truncated fixed field")
            yield num, wire, buf[p:p + size]
            p += size
        elif wire == 2:
            size = varint()
            if p + size > len(buf):
                raise ValueError("truncated length-delimited field")
            yield num, wire, buf[p:p + size]
            p += size
        else:
            raise ValueError(f"unsupported wire type {wire}")


def decode_event(data: bytes) -> dict:
    ev = {"wall_time": None, "step": 0, "file_version": None, "values": []}
    for num, wire, val in fields(data):
        if num == 1 and wire == 1:
            ev["wall_time"] = struct.unpack("<d", val)[0]
        elif num == 2 and wire == 0:
            ev["step"] = val - (1 << 64) if val >= 1 << 63 else val  # int64 two's complement
        elif num == 3 and wire == 2:
            ev["file_version"] = val.decode()
        elif num == 5 and wire == 2:
            for vnum, vwire, vbuf in fields(val):
                if vnum != 1 or vwire != 2:
                    continue
                tag, value = None, None
                for xnum, xwire, x in fields(vbuf):
                    if xnum == 1 and xwire == 2:
                        tag = x.decode()
                    elif xnum == 2 and xwire == 5:
                        value = struct.unpack("<f", x)[0]
                ev["values"].append((tag, value))
    return ev


def event_files(path):
    if os.path.isfile(path):
        return [path]
    out = []
    for root, _, files in os.walk(path):
        out += [os.path.join(root, f) for f in files if "tfevents" in f]
    return sorted(out)


def main(argv):
    as_json = "--json" in argv
    paths = [a for a in argv if a != "--json"]
    if not paths:
        print(__doc__)
        return 2
    ok = True
    for path in paths:
        for f in event_files(path):
            try:
                with open(f, "rb") as fh:
                    events = [decode_event(r) for r in records(fh.read())]
            except ValueError as e:
                print(f"{f}: DAMAGED: {e}", file=sys.stderr)
                ok = False
                continue
            if not as_json:
                version = events[0]["file_version"] if events else None
                print(f"{f}: {len(events)} events, file_version {version}")
            for ev in events:
                if as_json:
                    print(json.dumps(ev))
                else:
                    for tag, value in ev["values"]:
                        print(f"  step {ev['step']:>8}  {tag:<24} {value!r}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""synt.py — write tensors in Synesthesia's checkpoint format (engine/checkpoint.h) from Python.

Reference scripts use it to store golden fixtures: inputs, outputs and every gradient computed
by PyTorch, plus scalar parameters as metadata. Only float32 tensors and string metadata.
"""
import struct
import zlib

import numpy as np


def write(path, tensors, meta=None):
    """tensors: dict name -> array-like (stored float32); meta: dict key -> str(value)."""
    meta = meta or {}
    out = bytearray(b"SYNCKPT1")
    out += struct.pack("<I", len(tensors) + len(meta))
    for name, value in tensors.items():
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        arr = np.asarray(value, dtype=np.float32)
        arr = np.ascontiguousarray(arr).reshape(arr.shape)  # keeps 0-d tensors 0-d
        nb = name.encode()
        out += struct.pack("<I", len(nb)) + nb
        out += struct.pack("<BB", 0, arr.ndim)
        out += struct.pack("<%dq" % arr.ndim, *arr.shape)
        out += arr.astype("<f4").tobytes()
    for key, value in meta.items():
        nb = ("meta/" + key).encode()
        vb = str(value).encode()
        out += struct.pack("<I", len(nb)) + nb
        out += struct.pack("<BBq", 2, 1, len(vb)) + vb
    out += struct.pack("<I", zlib.crc32(bytes(out)) & 0xFFFFFFFF)
    out += b"ENDC"
    with open(path, "wb") as f:
        f.write(out)

"""gen_npy.py — NumPy-written .npy fixtures for engine/io/npy (tests/test_npy.cpp).

Run from the repository root with Debian's Python (NumPy 1.24):
    /usr/bin/python3 tests/reference/gen_npy.py
Writes tests/fixtures/npy/*.npy (a few hundred bytes each). Every array is a simple formula of its
index so that the C++ test recomputes the expected values instead of storing them twice; the
comment next to each file states the formula. Files NumPy itself would write for split files
(unicode string arrays, as in minzwon/sota-music-tagging-models split/mtat/*.npy) come first;
the rest cover every dtype and header variant the reader supports, and the ones it must reject.
"""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "npy")
os.makedirs(OUT, exist_ok=True)


def save(name, arr, version=None):
    path = os.path.join(OUT, name)
    if version is None:
        np.save(path, arr, allow_pickle=True)
    else:
        with open(path, "wb") as f:
            np.lib.format.write_array(f, arr, version=version, allow_pickle=True)


# Split-file style: "<index>\t<mp3_path>" unicode strings ('<U..').
save("split_unicode.npy", np.array([
    "0\tf/american_bach_soloists-j_s__bach_solo_cantatas-01-bwv54__i_aria-30-59.mp3",
    "17\tc/a-b-01-x-0-29.mp3",
    "25862\t8/jacob_heringman-blame_not_my_lute-58-a_toy_for_monica_bishop-0-29.mp3",
]))
# Non-ASCII code points (2-, 3- and 4-byte UTF-8), an empty string, trailing-NUL padding.
save("unicode_wide.npy", np.array(["caf\u00e9", "\u266b notes", "\U0001F3B5", "", "a"]))
# Big-endian unicode.
save("unicode_be.npy", np.array(["ab", "xyz"], dtype=">U3"))
# Byte strings ('|S..').
save("bytes.npy", np.array([b"guitar", b"no vocals", b""]))
# bool [2, 3]: value = (i + j) % 2 == 0 over (row i, column j).
save("bool_2x3.npy", np.array([[(i + j) % 2 == 0 for j in range(3)] for i in range(2)]))
# Integers: value = k * 7 - 20 (int8 k<6, uint8 k*40, int16, big-endian uint16, int32, int64 large).
save("int8.npy", (np.arange(6) * 7 - 20).astype("<i1"))
save("uint8.npy", (np.arange(6) * 40).astype("|u1"))
save("int16.npy", (np.arange(6) * 7 - 20).astype("<i2"))
save("uint16_be.npy", (np.arange(6) * 1000 + 5).astype(">u2"))
save("int32.npy", (np.arange(6) * 7 - 20).astype("<i4"))
save("int64.npy", (np.arange(6, dtype=np.int64) * 3000000000 - 7000000000).astype("<i8"))
# Floats: value = (k - 2.5) / 4 (float16, float32 [2, 3], big-endian float64), plus inf and nan.
save("float16.npy", ((np.arange(6) - 2.5) / 4).astype("<f2"))
save("float32_2x3.npy", ((np.arange(6) - 2.5) / 4).astype("<f4").reshape(2, 3))
save("float64_be.npy", ((np.arange(6) - 2.5) / 4).astype(">f8"))
save("float32_special.npy", np.array([np.inf, -np.inf, np.nan, -0.0], dtype="<f4"))
# Header variants: format 2.0 and 3.0, a 0-d array, an empty array, a 3-d shape.
save("float32_v2.npy", ((np.arange(6) - 2.5) / 4).astype("<f4"), version=(2, 0))
save("unicode_v3.npy", np.array(["v3 \u00e9"]), version=(3, 0))
save("scalar.npy", np.array(42.5, dtype="<f8"))
save("empty.npy", np.zeros((0, 4), dtype="<f4"))
save("int32_2x3x4.npy", np.arange(24, dtype="<i4").reshape(2, 3, 4))
# Must be rejected: Fortran order, an object array (pickled), a structured dtype, complex.
save("fortran.npy", np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
save("object.npy", np.array(["a", 1], dtype=object))
save("structured.npy", np.zeros(2, dtype=[("a", "<i4"), ("b", "<f4")]))
save("complex.npy", np.zeros(2, dtype="<c8"))

for name in sorted(os.listdir(OUT)):
    print(name, os.path.getsize(os.path.join(OUT, name)))

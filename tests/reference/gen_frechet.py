"""gen_frechet.py — the Fréchet distance between two feature sets as pytorch-fid computes it
(numpy mean/cov, scipy.linalg.sqrtm of the covariance product, real part), as a golden fixture
for apps/eval/frechet_distance.h.

Run with Debian's python3 (numpy, scipy: apt-get install python3-numpy python3-scipy):
    /usr/bin/python3 tests/reference/gen_frechet.py
Writes tests/fixtures/frechet.synt: for each case "<case>.a" [N, D] and "<case>.b" [M, D]
(float32: C++ reads exactly these numbers), and as metadata in float64 "<case>.fd" (scipy's
answer) and "<case>.fd_eigh" (the same from numpy.linalg.eigh of S1^1/2 S2 S1^1/2, a second
route that agrees with the first where scipy's sqrtm is accurate).
Cases: correlated Gaussians of unequal means and covariances (D 8 and 64, the judge's width),
unit-norm rows like the judge's features, and a rank-deficient one (fewer rows than dimensions).
"""
import os

import numpy as np
import scipy
import scipy.linalg

import synt

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "frechet.synt")
rng = np.random.default_rng(15)


def fd_scipy(a, b):
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean, _ = scipy.linalg.sqrtm(s1.dot(s2), disp=False)
    covmean = covmean.real
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def fd_eigh(a, b):
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = np.linalg.eigh(s1)
    r1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    m = r1 @ s2 @ r1
    lam = np.linalg.eigvalsh((m + m.T) / 2)
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.clip(lam, 0, None)).sum())


def gaussian(n, d, shift, scale):
    mix = rng.normal(size=(d, d)) * scale / np.sqrt(d)
    return rng.normal(size=(n, d)) @ mix + shift


def unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def main():
    cases = {
        "small": (gaussian(300, 8, 0.0, 1.0), gaussian(250, 8, 0.3, 0.7)),
        "wide": (gaussian(200, 64, 0.0, 1.0), gaussian(180, 64, 0.05, 1.3)),
        "unit": (unit(gaussian(200, 64, 0.5, 1.0)), unit(gaussian(150, 64, 0.6, 1.0))),
        "rank_deficient": (gaussian(20, 32, 0.0, 1.0), gaussian(300, 32, 0.1, 1.0)),
    }
    tensors, meta = {}, {"numpy": np.__version__, "scipy": scipy.__version__}
    for name, (a, b) in cases.items():
        a = a.astype(np.float32)
        b = b.astype(np.float32)
        tensors[name + ".a"], tensors[name + ".b"] = a, b
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        meta[name + ".fd"] = repr(fd_scipy(a64, b64))
        meta[name + ".fd_eigh"] = repr(fd_eigh(a64, b64))
        print(name, meta[name + ".fd"], meta[name + ".fd_eigh"])
    synt.write(OUT, tensors, meta)
    print("wrote", OUT)


if __name__ == "__main__":
    main()

"""gen_spectrogram.py — librosa / resampy golden fixtures for musicnn's spectrogram front end
(data/audio/spectrogram.h, data/audio/audio_to_musicnn.h; tests/test_spectrogram.cpp reads them).

Run from the repository root with the default (pyenv) python3, not Debian's:
    pip install librosa==0.10.2.post1 resampy==0.2.2 numpy scipy soundfile
    python3 tests/reference/gen_spectrogram.py
Writes tests/fixtures/spectrogram_{stft,stft_variants,mel,musicnn}.synt and
tests/fixtures/resample_resampy.synt (each < 200 KB). Deterministic (fixed seed). When
../shared/fixtures/musicnn-reference/ is present it also writes
tests/fixtures/spectrogram_reference_clip.synt: the log-mel of musicnn's reference clip (decoded
with python-soundfile, i.e. libsndfile/mpg123 like data/audio/audio_io), its first 48 frames and its
per-band mean (the clip itself stays in ../shared).

What musicnn 0.1.0 ran (musicnn/extractor.py, batch_data) on librosa 0.7 and numpy 1.x:
    audio, sr = librosa.load(file, sr=16000)            # mono mean, resampy 'kaiser_best'
    S = librosa.feature.melspectrogram(y=audio, sr=sr, hop_length=256, n_fft=512, n_mels=96).T
    S = S.astype(np.float16)
    S = np.log10(10000 * S + 1)
Three differences from today's libraries are undone here explicitly:
  * librosa >= 0.10 pads centred frames with zeros by default; 0.7 reflected: pad_mode='reflect'.
  * numpy 1.x promoted `10000 * float16_array` to float32 (value-based casting: 10000 needs
    uint16, and float16 + uint16 -> float32), so the log was taken in float32 and the float16
    cast only quantised the mel energies. numpy 2 (NEP 50) keeps float16 and overflows to inf
    above 6.55; the script therefore computes np.log10(10000 * S16.astype(np.float32) + 1).
  * resampy >= 0.3 ships a different 'kaiser_best' (50 zeros, beta 12.98, roll-off 0.917) and
    computes output times as t * step instead of accumulating them. librosa 0.7 required
    resampy 0.2.x, whose 'kaiser_best' is 64 zero crossings, 2^9 table points per crossing, a
    Kaiser window with beta 14.769656459379492 and roll-off 0.9475937167399596; so resampy
    0.2.2 itself is required here (it installs on Python 3.11 with today's numba).
    librosa.load then pads/trims the output to ceil(n * 16000 / sr) samples (fix_length).
"""
import os
import sys

import librosa
import numpy as np
import resampy
import scipy.signal
import soundfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures")
CLIP = os.path.join(HERE, "..", "..", "..", "shared", "fixtures", "musicnn-reference",
                    "joram-moments_of_clarity-08-solipsism-59-88.mp3")
SR = 16000


def save(name, tensors, meta=None):
    path = os.path.join(OUT, name + ".synt")
    meta = dict(meta or {})
    meta.update({"librosa": librosa.__version__, "numpy": np.__version__})
    synt.write(path, tensors, meta)
    size = os.path.getsize(path)
    assert size < 200_000, (name, size)
    print("wrote", os.path.relpath(path), size, "bytes")


def test_signal(rng, n, sr):
    """Chirp 40 Hz -> 0.45 sr (exponential) + noise + a loud bass tone, with a quiet stretch so
    the mel energies span float16's normal and subnormal ranges. Returned as float32."""
    t = np.arange(n) / sr
    dur = n / sr
    f0, f1 = 40.0, 0.45 * sr
    k = np.log(f1 / f0) / dur
    chirp = 0.4 * np.sin(2 * np.pi * f0 * (np.exp(k * t) - 1) / k)
    bass = 0.3 * np.sin(2 * np.pi * 61.0 * t + 0.3)
    noise = 0.03 * rng.standard_normal(n)
    env = np.ones(n)
    q0, q1 = int(0.55 * n), int(0.75 * n)
    env[q0:q1] = 1e-3  # quiet: mel energies down to ~1e-9 (float16 subnormals and zeros)
    return ((chirp + bass + noise) * env).astype(np.float32)


def power_spectrogram(x, n_fft, hop, center=True):
    S = librosa.stft(x, n_fft=n_fft, hop_length=hop, center=center, pad_mode="reflect")
    return (np.abs(S) ** 2).T  # [frames, bins], float32 like librosa's _spectrogram


def librosa07_resample(x, sr_orig, sr_new):
    """librosa 0.7's load(sr=...): resampy 0.2 kaiser_best, then fix_length to the ceiling."""
    assert resampy.__version__.startswith("0.2."), "needs resampy 0.2.x, see the header"
    y = resampy.resample(x, sr_orig, sr_new, filter="kaiser_best")
    n_out = int(np.ceil(len(x) * float(sr_new) / sr_orig))
    return librosa.util.fix_length(y, size=n_out).astype(np.float32)


def musicnn_log_mel(y):
    S = librosa.feature.melspectrogram(y=y, sr=SR, hop_length=256, n_fft=512, n_mels=96,
                                       pad_mode="reflect").T
    S16 = S.astype(np.float16)
    return S, S16, np.log10(10000 * S16.astype(np.float32) + 1)  # numpy 1.x semantics


def main():
    rng = np.random.default_rng(20240611)
    x = test_signal(rng, SR, SR)  # 1 s at 16 kHz

    # STFT power, musicnn's geometry: periodic Hann, n_fft 512, hop 256, centred, reflect.
    window = scipy.signal.get_window("hann", 512, fftbins=True)
    save("spectrogram_stft", {"x": x, "window": window.astype(np.float32),
                              "power": power_spectrogram(x, 512, 256)},
         {"sample_rate": SR, "n_fft": 512, "hop": 256})
    # Other geometries on the first 4000 samples: a non-power-of-two n_fft (Bluestein), and
    # frames without centring.
    xs = x[:4000]
    save("spectrogram_stft_variants", {
        "power_n400_h160": power_spectrogram(xs, 400, 160),
        "power_n512_h256_nocenter": power_spectrogram(xs, 512, 256, center=False)},
        {"samples": 4000})

    # Mel filterbanks: musicnn's (Slaney scale, Slaney area norm, 0..8 kHz) and an HTK-scale,
    # band-limited one at 22.05 kHz for the general code path.
    mel = librosa.filters.mel(sr=SR, n_fft=512, n_mels=96)
    mel_htk = librosa.filters.mel(sr=22050, n_fft=400, n_mels=40, fmin=50.0, fmax=9000.0,
                                  htk=True, norm=None)
    save("spectrogram_mel", {"mel_basis": mel, "mel_basis_htk": mel_htk},
         {"htk_sample_rate": 22050, "htk_n_fft": 400, "htk_n_mels": 40, "htk_fmin": 50.0,
          "htk_fmax": 9000.0})

    # The full musicnn front end on x.
    S, S16, log_mel = musicnn_log_mel(x)
    assert log_mel.dtype == np.float32 and np.all(np.isfinite(log_mel))
    print("mel range %.3g .. %.3g, float16 subnormal count %d, zeros %d" % (
        S.min(), S.max(), int(np.sum((S16 > 0) & (S16 < 2 ** -14))), int(np.sum(S16 == 0))))
    save("spectrogram_musicnn", {"mel": S, "mel_f16": S16.astype(np.float32),
                                 "log_mel": log_mel})

    # librosa 0.7's load resampling (resampy 0.2 kaiser_best + fix_length) to 16 kHz.
    x22 = test_signal(rng, 11025, 22050)  # 0.5 s
    x44 = test_signal(rng, 11025, 44100)  # 0.25 s
    save("resample_resampy", {"x22050": x22, "y22050_16000": librosa07_resample(x22, 22050, SR),
                              "x44100": x44, "y44100_16000": librosa07_resample(x44, 44100, SR)},
         {"resampy": resampy.__version__})

    if os.path.exists(CLIP):
        y, sr = soundfile.read(CLIP, dtype="float32")
        if y.ndim > 1:
            y = y.mean(axis=1, dtype=np.float32)
        if sr != SR:
            y = librosa07_resample(y, sr, SR)
        _, _, L = musicnn_log_mel(y)
        save("spectrogram_reference_clip", {
            "log_mel_head": L[:48], "log_mel_band_mean": L.astype(np.float64).mean(axis=0)},
            {"samples": len(y), "frames": L.shape[0], "source_rate": sr})
    else:
        print("no", CLIP, "- spectrogram_reference_clip.synt not written")


if __name__ == "__main__":
    main()

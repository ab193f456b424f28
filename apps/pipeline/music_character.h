// music_character.h — what a clip *feels* like, for the cover (apps/pipeline/cover.h): its tempo,
// loudness and brightness measured from the decoded mono audio (data/audio/audio_io.h), and an
// energy/arousal and a valence score read from the tag probabilities of either musicnn
// vocabulary (MagnaTagATune, Million Song Dataset) or the refined tag profile.
//
// Tempo (estimate_tempo):
//   1. STFT of the mono signal at its own rate: hop = round(rate · 10 ms) (≈100 envelope values
//      per second), window = the smallest power of two >= rate · 46 ms (1024 at 22.05 kHz,
//      2048 at 44.1 kHz), periodic Hann (data/audio/spectrogram.h), our FFT (engine/cpu/fft.h);
//      frame t is centred on sample t · hop, zeros outside the signal. Computed in chunks of
//      frames (in parallel) without storing the spectrogram, so a whole song costs little memory.
//   2. Log-magnitude L[t, k] = ln(1 + 1000 · |X[t, k]|): compression makes a soft onset count
//      like a loud one (what listeners tap to), the +1 keeps silence at zero.
//   3. Onset strength = spectral flux: o[t] = mean over bins k of max(0, L[t, k] − L[t−1, k])
//      (only rises: an onset adds energy; a decay is not a beat); o[0] = 0.
//   4. Smooth o with a Gaussian of σ = 20 ms (2 frames), so a beat whose period is not a whole
//      number of frames still lines up with itself at the nearest integer lag (without it a
//      156 BPM click track at 100 frames/s matched itself better at twice the period); then
//      detrend: subtract the centred moving average over 1 s, so a crescendo (a slow change of
//      the flux level) does not lift every lag of the autocorrelation alike.
//   5. Autocorrelation, normalised and unbiased: ρ(l) = [Σ_t o_t o_{t+l} / (T − l)] /
//      [Σ_t o_t² / T]. A beat of period P frames peaks at l = P, 2P, ... with about equal height.
//   6. Peak picking over the lags of 60..180 BPM (l = 60 · fps / bpm): the lag maximising
//      ρ(l) · w(bpm(l)), where w is a log-normal tempo prior w(b) = exp(−½ (log2(b / 120))²)
//      (one octave wide, centred on 120 BPM, as in Ellis 2007 / librosa's beat tracker). It
//      breaks the octave ambiguity of step 5: a 140 BPM beat also peaks at 70 BPM, and
//      w(140) = 0.98 > w(70) = 0.74 picks 140.
//   6b. Octave check: the prior alone reports half of any tempo above 120·√2 ≈ 170 BPM (a
//      175 BPM click track peaks equally at 87.5 BPM, and w(87.5) > w(175)). So while the lag
//      near half the picked one (the best of its nearest integer lags, tempo <= 180 BPM) has
//      ρ >= 0.9 × ρ(picked), the faster tempo is taken: a pulse that regular is the beat. A
//      slower beat with weaker off-beats stays (measured on clicks over a −40 dB noise floor:
//      off-beats at half the amplitude give ρ(half) ≈ 0.87 ρ, at a quarter ≈ 0.56 ρ; equal
//      ones ≈ 0.99 ρ — that is a click track at twice the tempo).
//   7. Sub-frame refinement: a parabola through ρ at the picked lag and its two neighbours gives
//      the fractional lag l*; bpm = 60 · fps / l*, clamped to [60, 180]. Confidence = ρ(l*).
//   Silence or a signal without onsets (flat envelope): 120 BPM with confidence 0.
//   The clip must hold at least 2 periods of the slowest tempo plus one (≥ ~2.1 s): shorter
//   clips are an error saying so.
//
// Loudness: RMS level in dBFS, 10 · log10(mean(x²)), floored at −120 dB (digital silence).
//   A full-scale sine is −3.01 dBFS.
// Brightness: spectral centroid over the whole clip, Σ_t Σ_k f_k |X[t, k]| / Σ_t Σ_k |X[t, k]|
//   (magnitude-weighted, so loud frames count more), in Hz; 0 for silence. Same STFT as tempo.
//
// Arousal and valence (mood_from_tags): a documented weight table (mood_weights(); each entry
// lists its spellings in both musicnn vocabularies and the refined names, and its weights
// w_a, w_v in [−1, 1]). An entry's evidence p_e is the largest probability among its spellings
// over every tagger output given (a word is heard if any spelling is predicted, as in
// data/tags/tag_profile.h). Then, for arousal (valence alike):
//       arousal = Σ_e w_a,e · p_e / (Σ_e |w_a,e| · p_e + 0.2)
// — a weighted vote in (−1, 1) that stays near 0 when no entry is confident (the 0.2 acts like
// a neutral prior worth 0.2 units of evidence). Labels are matched case-insensitively.
#pragma once
#include <string>
#include <vector>

#include "data/tags/tag_profile.h"

namespace syn {

struct TempoOptions {
  double hop_seconds = 0.010;
  double window_seconds = 0.046;
  double log_gain = 1000.0;
  double smooth_seconds = 0.020;  // σ of step 4's Gaussian; 0 disables it
  double detrend_seconds = 1.0;
  double min_bpm = 60.0, max_bpm = 180.0;
  double prior_bpm = 120.0, prior_octaves = 1.0;
  double octave_ratio = 0.9;  // step 6b; above 1 disables it
};

struct OnsetEnvelope {
  std::vector<float> strength;  // one value per STFT frame (step 3, before detrending)
  double frame_rate = 0;        // frames per second = rate / hop
};

struct TempoEstimate {
  double bpm = 120.0;
  double confidence = 0.0;  // ρ at the refined peak, in [−1, 1]; 0 when there are no onsets
};

// Steps 1–3. samples: mono; rate in [kMinAudioRate, kMaxAudioRate].
OnsetEnvelope onset_strength(const std::vector<float>& samples, int rate,
                             const TempoOptions& options = {});
// Steps 4–7 on an envelope (exposed so tests can feed impulse trains directly).
TempoEstimate tempo_from_envelope(const OnsetEnvelope& envelope, const TempoOptions& options = {});
TempoEstimate estimate_tempo(const std::vector<float>& samples, int rate,
                             const TempoOptions& options = {});

double rms_db(const std::vector<float>& samples);
double spectral_centroid_hz(const std::vector<float>& samples, int rate,
                            const TempoOptions& options = {});

// ---- mood from tags ----

struct MoodWeight {
  std::vector<std::string> spellings;  // lower-case; matched against lower-cased labels
  float arousal = 0, valence = 0;      // w_a, w_v
};
const std::vector<MoodWeight>& mood_weights();

struct MoodEvidence {
  std::string label;  // the spelling that gave the evidence, as the tagger wrote it
  float probability = 0;
  float arousal = 0, valence = 0;  // the entry's weights
};

struct MoodScores {
  double arousal = 0, valence = 0;     // in (−1, 1)
  std::vector<MoodEvidence> evidence;  // entries with p_e > 0, in table order
};

// Every output's labels and probabilities must have the same length (error naming the output).
MoodScores mood_from_tags(const std::vector<TaggerOutput>& outputs);
// The refined profile as one tagger output (its tag names and probabilities).
TaggerOutput profile_as_output(const std::vector<ProfileTag>& profile);

// ---- everything together ----

struct MusicCharacter {
  double tempo_bpm = 120, tempo_confidence = 0;
  double loudness_db = -120;
  double brightness_hz = 0;
  double arousal = 0, valence = 0;
  std::vector<MoodEvidence> mood_evidence;
  // One line for logs: "128.1 BPM (confidence 0.72), -14.3 dBFS, centroid 2210 Hz,
  // arousal +0.41, valence -0.12".
  std::string summary() const;
};

// Audio measurements (one STFT shared by tempo and brightness) and the tag scores.
MusicCharacter measure_music_character(const std::vector<float>& samples, int rate,
                                       const std::vector<TaggerOutput>& tags,
                                       const TempoOptions& options = {});

}  // namespace syn

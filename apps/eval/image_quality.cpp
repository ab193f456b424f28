// image_quality.cpp — see image_quality.h.
#include "apps/eval/image_quality.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include "data/datasets/emoji_dataset.h"
#include "data/text/porter_stemmer.h"
#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/io/safe_file.h"
#include "engine/ops/shape.h"
#include "engine/parallel.h"
#include "engine/rng.h"

namespace syn::quality {

namespace {

const std::set<std::string>& stop_words() {
  static const std::set<std::string> words{"a",    "an",  "and",  "at",  "by", "for",
                                           "from", "in",  "into", "is",  "of", "on",
                                           "over", "the", "to",   "with"};
  return words;
}

// Lower-case ASCII words split at every character other than a-z / 0-9.
std::vector<std::string> raw_words(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : text) {
    unsigned char c = (unsigned char)ch;
    if (c >= 'A' && c <= 'Z') c = (unsigned char)(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      cur += (char)c;
    } else if (!cur.empty()) {
      out.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string normalised(const std::string& text) {
  std::string out;
  for (const std::string& w : raw_words(text)) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  size_t a = s.find_first_not_of(ws);
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(ws) - a + 1);
}

int64_t exact_match(const std::string& query, const std::vector<std::string>& texts) {
  const std::string q = normalised(query);
  if (q.empty()) return -1;
  for (size_t i = 0; i < texts.size(); ++i)
    if (normalised(texts[i]) == q) return (int64_t)i;
  return -1;
}

int64_t word_match(const std::string& query, const std::vector<std::string>& texts) {
  const std::vector<std::string> qv = text_words(query);
  const std::set<std::string> q(qv.begin(), qv.end());
  int64_t best = -1, best_matched = 0;
  double best_share = 0.0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::vector<std::string> words = text_words(texts[i]);
    int64_t matched = 0;
    for (const std::string& w : words) matched += q.count(w) ? 1 : 0;
    if (matched == 0) continue;
    const double share = (double)matched / (double)words.size();
    if (matched > best_matched || (matched == best_matched && share > best_share)) {
      best = (int64_t)i;
      best_matched = matched;
      best_share = share;
    }
  }
  return best;
}

void check_images(const Tensor& x, const char* what, bool allow_single) {
  SYN_CHECK(!x.is_cuda(), what, ": images must be on the CPU, got ", x.describe());
  const bool ok =
      (x.dim() == 4 && x.size(1) == 3) || (allow_single && x.dim() == 3 && x.size(0) == 3);
  SYN_CHECK(ok, what, ": expected ", allow_single ? "[3, H, W] or " : "",
            "[N, 3, H, W] RGB images, got ", x.describe());
}

}  // namespace

// ---- text ----

std::vector<std::string> load_prompts(const std::string& path) {
  io::check_input_file(path, "prompt list");  // a regular file: never a FIFO or device
  std::ifstream in(path);
  SYN_CHECK(in.good(), "prompt file '", path, "' cannot be opened");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    out.push_back(line);
  }
  SYN_CHECK(!out.empty(), "prompt file '", path, "' holds no prompt (only blank or # lines)");
  return out;
}

std::vector<std::string> concept_list(const std::vector<std::string>& captions) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const std::string& c : captions) {
    std::string key = split_key(c);
    if (seen.insert(key).second) out.push_back(key);
  }
  return out;
}

std::vector<int64_t> concept_ids(const std::vector<std::string>& captions,
                                 const std::vector<std::string>& concepts) {
  std::vector<int64_t> out;
  out.reserve(captions.size());
  for (const std::string& c : captions) {
    auto it = std::find(concepts.begin(), concepts.end(), split_key(c));
    out.push_back(it == concepts.end() ? -1 : (int64_t)(it - concepts.begin()));
  }
  return out;
}

std::vector<std::string> text_words(const std::string& text) {
  std::vector<std::string> out;
  for (const std::string& w : raw_words(text)) {
    if (stop_words().count(w)) continue;
    std::string stem = porter_stem(w);
    if (std::find(out.begin(), out.end(), stem) == out.end()) out.push_back(stem);
  }
  return out;
}

int64_t best_text_match(const std::string& query, const std::vector<std::string>& texts) {
  int64_t i = exact_match(query, texts);
  return i >= 0 ? i : word_match(query, texts);
}

int64_t concept_of(const std::string& prompt, const std::vector<std::string>& concepts) {
  int64_t i = exact_match(prompt, concepts);
  if (i < 0) i = exact_match(split_key(prompt), concepts);
  return i >= 0 ? i : word_match(prompt, concepts);
}

// ---- classification ----

Tensor classifier_logits(models::EmojiClassifier& model, const Tensor& images, int64_t batch_size) {
  check_images(images, "classifier_logits", false);
  SYN_CHECK(batch_size > 0, "classifier_logits: batch_size ", batch_size, " must be positive");
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  std::vector<Tensor> parts;
  for (int64_t lo = 0; lo < images.size(0); lo += batch_size) {
    const int64_t hi = std::min(images.size(0), lo + batch_size);
    parts.push_back(model.forward(ops::slice(images, 0, lo, hi)));
  }
  model.train(was_training);
  if (parts.empty()) return Tensor::zeros({0, model.config().num_classes});
  return parts.size() == 1 ? parts[0] : ops::concat(parts, 0);
}

ClassifyResult score_logits(const Tensor& logits, const std::vector<int64_t>& ids) {
  SYN_CHECK(logits.dim() == 2, "score_logits: expected logits [N, classes], got ",
            logits.describe());
  const int64_t N = logits.size(0), C = logits.size(1);
  SYN_CHECK((int64_t)ids.size() == N, "score_logits: ", ids.size(), " concept ids for ", N,
            " images ", logits.describe());
  const std::vector<float> v = logits.to_vector();
  ClassifyResult r;
  r.predicted.assign((size_t)N, -1);
  r.rank.assign((size_t)N, -1);
  int64_t top1 = 0, top5 = 0;
  for (int64_t i = 0; i < N; ++i) {
    const float* row = v.data() + i * C;
    r.predicted[(size_t)i] = (int64_t)(std::max_element(row, row + C) - row);  // first maximum
    const int64_t id = ids[(size_t)i];
    if (id < 0) continue;
    SYN_CHECK(id < C, "score_logits: concept id ", id, " of image ", i, " is not below ", C,
              " classes");
    // Rank = classes scoring strictly higher, plus equal scores at a lower index.
    int64_t rank = 0;
    for (int64_t c = 0; c < C; ++c)
      if (row[c] > row[id] || (row[c] == row[id] && c < id)) ++rank;
    r.rank[(size_t)i] = rank;
    ++r.counted;
    top1 += rank < 1;
    top5 += rank < 5;
  }
  if (r.counted > 0) {
    r.top1 = (double)top1 / (double)r.counted;
    r.top5 = (double)top5 / (double)r.counted;
  }
  return r;
}

ClassifyResult classify(models::EmojiClassifier& model, const Tensor& images,
                        const std::vector<int64_t>& ids, int64_t batch_size) {
  SYN_CHECK(images.dim() == 4 && (int64_t)ids.size() == images.size(0), "classify: ", ids.size(),
            " concept ids for images ", images.describe());
  return score_logits(classifier_logits(model, images, batch_size), ids);
}

// ---- memorisation ----

NearestResult nearest_images(const Tensor& images, const Tensor& reference) {
  check_images(images, "nearest_images (images)", false);
  check_images(reference, "nearest_images (reference)", false);
  SYN_CHECK(images.size(2) == reference.size(2) && images.size(3) == reference.size(3),
            "nearest_images: images ", images.describe(), " and reference ", reference.describe(),
            " differ in size");
  SYN_CHECK(reference.size(0) > 0, "nearest_images: the reference set is empty");
  const int64_t N = images.size(0), M = reference.size(0), D = 3 * images.size(2) * images.size(3);
  const float* a = images.data();
  const float* b = reference.data();
  NearestResult r;
  r.index.assign((size_t)N, -1);
  r.distance.assign((size_t)N, 0.0);
  parallel_for(N, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      double best = INFINITY;
      int64_t best_j = 0;
      for (int64_t j = 0; j < M; ++j) {
        double s = 0.0;
        for (int64_t k = 0; k < D; ++k) {
          const double d = (double)a[i * D + k] - (double)b[j * D + k];
          s += d * d;
        }
        if (s < best) {
          best = s;
          best_j = j;
        }
      }
      r.index[(size_t)i] = best_j;
      r.distance[(size_t)i] = std::sqrt(best / (double)D);
    }
  });
  if (N > 0) {
    double sum = 0.0;
    for (double d : r.distance) sum += d;
    r.mean_distance = sum / (double)N;
    r.min_distance = *std::min_element(r.distance.begin(), r.distance.end());
    r.max_distance = *std::max_element(r.distance.begin(), r.distance.end());
  }
  return r;
}

// ---- baselines ----

Tensor noise_images(int64_t n, uint64_t seed, int64_t size) {
  SYN_CHECK(n >= 0 && size > 0, "noise_images: n ", n, " and size ", size, " must be positive");
  Rng rng(seed);
  std::vector<float> v((size_t)(n * 3 * size * size));
  for (float& x : v) x = rng.uniform();
  return Tensor::from_vector(v, {n, 3, size, size});
}

std::vector<int64_t> retrieve_by_caption(const std::vector<std::string>& prompts,
                                         const std::vector<std::string>& captions) {
  std::vector<int64_t> out;
  out.reserve(prompts.size());
  for (const std::string& p : prompts) out.push_back(best_text_match(p, captions));
  return out;
}

Tensor retrieval_images(const std::vector<std::string>& prompts,
                        const std::vector<std::string>& captions, const Tensor& reference,
                        float fill) {
  check_images(reference, "retrieval_images", false);
  SYN_CHECK((int64_t)captions.size() == reference.size(0), "retrieval_images: ", captions.size(),
            " captions for reference images ", reference.describe());
  const std::vector<int64_t> idx = retrieve_by_caption(prompts, captions);
  const int64_t P = (int64_t)prompts.size(),
                D = reference.numel() / std::max<int64_t>(reference.size(0), 1);
  Tensor out = Tensor::full({P, 3, reference.size(2), reference.size(3)}, fill);
  for (int64_t p = 0; p < P; ++p)
    if (idx[(size_t)p] >= 0)
      std::copy(reference.data() + idx[(size_t)p] * D, reference.data() + (idx[(size_t)p] + 1) * D,
                out.data() + p * D);
  return out;
}

// ---- colour ----

std::vector<double> rgb_histogram(const Tensor& images, int bins) {
  check_images(images, "rgb_histogram", true);
  SYN_CHECK(bins >= 1 && bins <= 64, "rgb_histogram: bins ", bins, " must be in 1..64");
  const int64_t N = images.dim() == 4 ? images.size(0) : 1;
  const int64_t HW = images.size(-2) * images.size(-1);
  SYN_CHECK(N * HW > 0, "rgb_histogram: no pixels in ", images.describe());
  const std::vector<float> v = images.to_vector();
  auto bin = [&](float x) {
    const float c = std::clamp(x, 0.0f, 1.0f);
    return std::min((int)std::floor(c * (float)bins), bins - 1);
  };
  std::vector<double> h((size_t)(bins * bins * bins), 0.0);
  for (int64_t n = 0; n < N; ++n) {
    const float* img = v.data() + n * 3 * HW;
    for (int64_t p = 0; p < HW; ++p)
      h[(size_t)((bin(img[p]) * bins + bin(img[HW + p])) * bins + bin(img[2 * HW + p]))] += 1.0;
  }
  for (double& x : h) x /= (double)(N * HW);
  return h;
}

static void check_pair(const std::vector<double>& a, const std::vector<double>& b, const char* f) {
  SYN_CHECK(a.size() == b.size() && !a.empty(), f, ": histograms of ", a.size(), " and ", b.size(),
            " bins");
}

double histogram_l1_distance(const std::vector<double>& a, const std::vector<double>& b) {
  check_pair(a, b, "histogram_l1_distance");
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += std::fabs(a[i] - b[i]);
  return 0.5 * s;
}

double histogram_chi2_distance(const std::vector<double>& a, const std::vector<double>& b) {
  check_pair(a, b, "histogram_chi2_distance");
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] + b[i] > 0.0) s += (a[i] - b[i]) * (a[i] - b[i]) / (a[i] + b[i]);
  return 0.5 * s;
}

double colour_distance(const Tensor& set_a, const Tensor& set_b, int bins) {
  return histogram_l1_distance(rgb_histogram(set_a, bins), rgb_histogram(set_b, bins));
}

HsvStats mean_hsv(const Tensor& images) {
  check_images(images, "mean_hsv", true);
  const int64_t N = images.dim() == 4 ? images.size(0) : 1;
  const int64_t HW = images.size(-2) * images.size(-1);
  SYN_CHECK(N * HW > 0, "mean_hsv: no pixels in ", images.describe());
  const std::vector<float> v = images.to_vector();
  const double kPi = 3.14159265358979323846;
  double sum_s = 0.0, sum_v = 0.0, hx = 0.0, hy = 0.0;
  for (int64_t n = 0; n < N; ++n) {
    const float* img = v.data() + n * 3 * HW;
    for (int64_t p = 0; p < HW; ++p) {
      const double r = std::clamp(img[p], 0.0f, 1.0f), g = std::clamp(img[HW + p], 0.0f, 1.0f),
                   b = std::clamp(img[2 * HW + p], 0.0f, 1.0f);
      const double mx = std::max({r, g, b}), mn = std::min({r, g, b}), delta = mx - mn;
      const double s = mx > 0.0 ? delta / mx : 0.0;
      sum_s += s;
      sum_v += mx;
      if (delta <= 0.0) continue;  // grey: no hue
      double h;                    // in sixths of the circle, [0, 6)
      if (mx == r)
        h = std::fmod((g - b) / delta + 6.0, 6.0);
      else if (mx == g)
        h = (b - r) / delta + 2.0;
      else
        h = (r - g) / delta + 4.0;
      const double angle = h * kPi / 3.0;
      hx += s * std::cos(angle);
      hy += s * std::sin(angle);
    }
  }
  HsvStats st;
  const double count = (double)(N * HW);
  st.saturation = sum_s / count;
  st.value = sum_v / count;
  if (sum_s > 0.0) {
    st.hue_strength = std::sqrt(hx * hx + hy * hy) / sum_s;
    double deg = std::atan2(hy, hx) * 180.0 / kPi;
    if (deg < 0.0) deg += 360.0;
    if (deg >= 360.0) deg -= 360.0;
    st.hue = deg;
  }
  return st;
}

}  // namespace syn::quality

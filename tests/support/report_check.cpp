// report_check — the checker of tests/test_report_html.sh: is a headless-Chromium screenshot of
// report.html a real page with the pictures shown, and does the HTML hold what the writer promised?
//   report_check SCREENSHOT.png REPORT.html COVER.png
// Checks (each printed as "ok: ..." or "FAIL: ..."; exit 0 when all pass, 1 otherwise):
//   1. not blank: the screenshot's pixel standard deviation (over all channels) exceeds 0.05
//   2. colourful: at least 500 distinct colours at 5 bits per channel (text on a flat page has
//      far fewer; the embedded pictures and the heat map bring hundreds)
//   3. the cover is on screen: report.html shows the cover at its own size (512 CSS pixels),
//      so a 16 × 16 patch from its centre appears in the screenshot within 4/255 per channel
//   4. the HTML's <img> count equals <meta name="synesthesia-report-images" content="N">, and
//      every <img> source is a data:image/png;base64 URI of a PNG (its signature "iVBORw0KGgo")
//   5. no <script> and no external source (src="http..., src="file:...)
#include <cmath>
#include <cstdio>
#include <iostream>
#include <set>
#include <string>

#include "data/images/png_image.h"
#include "engine/io/safe_file.h"

using namespace syn;

namespace {

int failures = 0;
void check(bool ok, const std::string& what) {
  std::cout << (ok ? "ok: " : "FAIL: ") << what << "\n";
  if (!ok) ++failures;
}

size_t count_of(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// Whether the patch of `cover` at (px, py), side p, appears anywhere in `shot`.
bool contains_patch(const std::vector<float>& shot, int64_t H, int64_t W,
                    const std::vector<float>& cover, int64_t CH, int64_t CW, int64_t px, int64_t py,
                    int64_t p) {
  const float tol = 4.0f / 255.0f;
  for (int64_t y = 0; y + p <= H; ++y)
    for (int64_t x = 0; x + p <= W; ++x) {
      bool match = true;
      for (int64_t v = 0; v < p && match; ++v)
        for (int64_t u = 0; u < p && match; ++u)
          for (int c = 0; c < 3 && match; ++c)
            match = std::fabs(shot[(size_t)((c * H + y + v) * W + x + u)] -
                              cover[(size_t)((c * CH + py + v) * CW + px + u)]) <= tol;
      if (match) return true;
    }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: report_check SCREENSHOT.png REPORT.html COVER.png\n";
    return 2;
  }
  try {
    const Tensor shot = read_png(argv[1]), cover = read_png(argv[3]);
    const int64_t H = shot.size(1), W = shot.size(2);
    const std::vector<float> s = shot.to_vector();
    double mean = 0, var = 0;
    for (float v : s) mean += v;
    mean /= (double)s.size();
    for (float v : s) var += (v - mean) * (v - mean);
    const double sd = std::sqrt(var / (double)s.size());
    check(sd > 0.05,
          "the screenshot is not blank (pixel standard deviation " + std::to_string(sd) + ")");
    std::set<int> colours;
    const size_t plane = (size_t)(H * W);
    for (size_t i = 0; i < plane; ++i) {
      int key = 0;
      for (int c = 0; c < 3; ++c) key = key * 32 + std::min(31, (int)(s[c * plane + i] * 32));
      colours.insert(key);
    }
    check(colours.size() >= 500,
          "the screenshot is colourful (" + std::to_string(colours.size()) + " distinct colours)");
    const int64_t CH = cover.size(1), CW = cover.size(2), p = 16;
    check(contains_patch(s, H, W, cover.to_vector(), CH, CW, CW / 2 - p / 2, CH / 2 - p / 2, p),
          "the cover's centre appears in the screenshot at its own size");

    const std::string html = io::read_small_file(argv[2], "report.html");
    const std::string meta = "<meta name=\"synesthesia-report-images\" content=\"";
    const size_t at = html.find(meta);
    check(at != std::string::npos, "report.html declares its picture count");
    const long promised = at == std::string::npos ? -1 : std::atol(html.c_str() + at + meta.size());
    const size_t imgs = count_of(html, "<img"),
                 uris = count_of(html, "src=\"data:image/png;base64,iVBORw0KGgo");
    check((long)imgs == promised,
          std::to_string(imgs) + " <img> elements, " + std::to_string(promised) + " promised");
    check(uris == imgs, std::to_string(uris) + " of them embedded PNG data URIs");
    check(html.find("<script") == std::string::npos &&
              html.find("src=\"http") == std::string::npos &&
              html.find("src=\"file:") == std::string::npos,
          "no script and no external source");
  } catch (const std::exception& e) {
    std::cerr << "report_check: error: " << e.what() << "\n";
    return 1;
  }
  return failures == 0 ? 0 : 1;
}

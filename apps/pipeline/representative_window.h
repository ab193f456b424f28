// representative_window.h — how the pipeline summarises a long input (issue 20): the sentence,
// the pictures and the music character come from the most representative 30 s of the song, while
// tags.json keeps the whole song (every chunk of the taggram and the clip-level means).
//
// The rule: among all runs of kSummaryChunks consecutive taggram rows (10 musicnn patches =
// 29.9 s), the one whose mean probabilities (MTT's and MSD's together) are closest to the whole
// song's means in L1 distance; ties go to the earliest. A clip of at most kSummaryChunks rows is
// its own window (the pipeline then behaves exactly as on a short clip). Why this and not the
// loudest part or the middle: the window's tags are the song's tags as nearly as any 30 s allow,
// so the sentence and pictures describe the song, and the tempo and loudness are measured on music
// that sounds like them; per-section results would multiply the pictures by the song's length.
#pragma once
#include <cstddef>

#include "apps/pipeline/tagger.h"

namespace syn::app {

constexpr size_t kSummaryChunks = 10;

struct TagWindow {
  size_t first = 0, count = 0;  // taggram rows
  double start_seconds = 0, end_seconds = 0;
  bool whole = true;  // the window is the whole clip
};

// a and b: the two models' results for the same audio (same chunk times).
TagWindow representative_window(const TagResult& a, const TagResult& b,
                                size_t count = kSummaryChunks);
// r restricted to the window: its taggram rows and times, clip = their mean (summed in double in
// row order, as musicnn_predict does). The whole result when w.whole.
TagResult window_of(const TagResult& r, const TagWindow& w);

}  // namespace syn::app

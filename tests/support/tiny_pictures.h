// tiny_pictures.h — the text-to-image tests' training set: six 8×8 pictures, a coloured square
// (red, green, blue) in the left or right half on grey, captioned by colour and corner, so a
// few training steps can learn something and a prompt can name what it asks for.
#pragma once
#include <string>
#include <vector>

#include "apps/train/imagine_task.h"

namespace syn::test {

inline app::ImagineData tiny_square_pictures() {
  const char* colours[] = {"red", "green", "blue"};
  const char* corners[] = {"left", "right"};
  app::ImagineData d;
  std::vector<float> v;
  for (int c = 0; c < 3; ++c)
    for (int k = 0; k < 2; ++k) {
      for (int ch = 0; ch < 3; ++ch)
        for (int y = 0; y < 8; ++y)
          for (int x = 0; x < 8; ++x) {
            const bool in = y >= 2 && y < 6 && (k == 0 ? x < 4 : x >= 4);
            v.push_back(in ? (ch == c ? 1.0f : -1.0f) : 0.0f);
          }
      d.captions.push_back(std::string(colours[c]) + " square " + corners[k]);
      d.subgroups.push_back(c == 0 ? "warm-colour" : "cool-colour");
    }
  d.images = Tensor::from_vector(v, {6, 3, 8, 8});
  return d;
}

}  // namespace syn::test

// judge_features.h — pictures as the picture judge (models/clip_judge.h) sees them: resized to
// its input size, encoded by its image tower, and prompts encoded by its text tower. These
// features are what eval_imagine's distribution, memorisation and diversity figures are made of.
//
// Features: the judge's embeddings AFTER L2 normalisation (encode_images / encode_texts: unit
// rows [N, embed_dim]), the space in which the judge compares pictures with prompts. So the
// Euclidean distance between two features is in [0, 2] and equals sqrt(2 − 2·cosine).
//
// Resizing (resize_area): the area (box) filter — each output pixel is the mean of the input
// area it covers, input pixels cut by the output grid counting by the share they cover (PIL's
// BOX, OpenCV's INTER_AREA). Halving a 64-pixel picture to 32 averages each 2x2 block; the same
// size is a copy; upscaling repeats pixels (nearest neighbour for integer factors).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "models/clip_judge.h"

namespace syn::quality {

// images [N, C, H, W] -> [N, C, size, size] by the area filter (H, W may differ from each other).
Tensor resize_area(const Tensor& images, int64_t size);

// images [N, 3, S, S] in [0, 1] (any S: resized to the judge's image size) -> unit rows
// [N, embed_dim], `batch_size` at a time, in eval mode without autograd.
Tensor judge_image_features(models::ClipJudge& judge, const Tensor& images,
                            int64_t batch_size = 256);
// texts -> unit rows [T, embed_dim], without autograd.
Tensor judge_text_features(models::ClipJudge& judge, const std::vector<std::string>& texts);

// The rows `rows` of a [N, ...] tensor, in that order.
Tensor select_rows(const Tensor& t, const std::vector<int64_t>& rows);

}  // namespace syn::quality

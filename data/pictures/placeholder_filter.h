// placeholder_filter.h — recognises OpenClipart's "Linked Image Not Found" placeholder: the
// picture Inkscape exported where a drawing's linked bitmap was missing, a red square with a white
// diagonal cross above those words (sometimes half-transparent over the remains of the drawing).
// Some openclipart-png files are nothing else, whatever their names say ("duck yellow",
// "stylized yoga person"), so the corpus builder (picture_corpus.h) leaves them out.
//
// The signature, on the picture alpha-composited over white: a connected patch of saturated red
// (red well above green and blue, green close to blue) whose bounding box is nearly square, at
// least 24 px a side (the probes need that resolution), mostly filled, white at its centre and on
// (at least three of four points of) its diagonals near the centre, but red on the vertical and
// horizontal axes near the centre and near the edge (three of four points each: a stroke of the
// drawing may cross one): an X, not the
// + of a Swiss flag or a first-aid sign, not white highlights on red baubles, and not the hollow
// red frame some placeholders draw around the words. A placeholder whose square the drawing's
// strokes cut into pieces escapes it: of the eight in openclipart-png's kept pictures, five are
// caught (duck_yellow_ii, tux_didier_fabert_01, stylized_yoga_person_ger_01/02/05) and three
// escape (stylized_yoga_person_ger_03/04/06), with no false alarm among the 3,502 kept.
#pragma once
#include "data/datasets/emoji_dataset.h"  // RgbaImage

namespace syn::pictures {

bool looks_like_missing_image(const RgbaImage& image);

}  // namespace syn::pictures

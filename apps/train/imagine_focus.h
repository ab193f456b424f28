// imagine_focus.h — which training pictures a text-to-image run draws more often (--focus_concepts,
// --focus_prob). Why: the corpus has 510 concepts with about six pictures each, and a CPU budget
// of ~150 minutes shows each picture only some 40–80 times, too few for a diffusion model to learn
// a shape. The pipeline, though, only ever asks for a few dozen concepts (the motif table's
// captions: instruments, singers, dancers, notes, fire...). Focusing draws those concepts' pictures
// with probability focus_prob per batch slot, so they are seen hundreds of times while every other
// picture is still seen in its seeded epoch order.
//
// The spec: "" = no focus; "motifs" = every concept that has a training picture captioned with one
// of motif_table()'s captions (data/pictures/motif_table.h; the whole concept, all its styles);
// otherwise '|'-separated concept names (the corpus's concept column), each of which must name at
// least one training picture. Only single pictures are focused: a composed scene's concept is
// just its first object's, and the scenes keep their place in the epoch order.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "apps/train/imagine_task.h"

namespace syn::app {

// The concept names the spec selects, sorted; errors name the unknown concept.
std::vector<std::string> focus_concepts(const ImagineData& train, const std::string& spec);
// The indices of `train`'s single pictures (not its composed scenes: ImagineData::single_pictures)
// whose subgroup (concept) is one of `concepts`, ascending.
std::vector<int64_t> focus_indices(const ImagineData& train,
                                   const std::vector<std::string>& concepts);

}  // namespace syn::app

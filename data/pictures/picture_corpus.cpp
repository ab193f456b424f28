// picture_corpus.cpp — see picture_corpus.h.
#include "data/pictures/picture_corpus.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "data/datasets/emoji_dataset.h"
#include "data/pictures/picture_canvas.h"
#include "data/pictures/placeholder_filter.h"
#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/io/safe_file.h"
#include "engine/text_lines.h"

namespace syn::pictures {

namespace {

const char* kFormat = "synesthesia-picture-corpus-1";
// The meta keys of the format itself; any other key is an extra_meta key.
const char* kOwnKeys[] = {"ids",        "sources",  "files",     "licences",   "concepts",
                          "categories", "captions", "split",     "split_keys", "attributions",
                          "format",     "sizes",    "background"};

bool own_key(const std::string& key) {
  return std::any_of(std::begin(kOwnKeys), std::end(kOwnKeys),
                     [&](const char* k) { return key == k; });
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string join_words(const std::vector<std::string>& w, size_t end) {
  std::string s;
  for (size_t i = 0; i < end && i < w.size(); ++i) s += (i ? " " : "") + w[i];
  return s;
}

// Captions and names become one TSV field and one meta line: no tabs or line breaks.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace

const Tensor& PictureCorpus::images_at(int size) const {
  for (size_t k = 0; k < sizes.size(); ++k)
    if (sizes[k] == size) return images[k];
  SYN_FAIL("the picture corpus has no images of size ", size);
}

std::string emoji_concept(const ConceptVocabulary& vocabulary, const std::string& cldr_name) {
  std::string base = split_key(cldr_name);
  std::string c = vocabulary.concept_of(base);
  return c.empty() ? base : c;
}

std::vector<std::pair<CorpusItem, size_t>> select_pictures(
    const std::vector<PictureRecord>& records, const ConceptVocabulary& vocabulary,
    const PictureRules& rules, const CorpusOptions& options, CorpusReport* report) {
  CorpusReport local;
  CorpusReport& rep = report ? *report : local;
  std::vector<std::pair<CorpusItem, size_t>> out;
  for (size_t i = 0; i < records.size(); ++i) {
    const PictureRecord& r = records[i];
    rep.offered[r.source] += 1;
    if ((!options.licences.empty() && !contains(options.licences, r.licence)) ||
        contains(options.exclude_licences, r.licence)) {
      rep.by_licence_filter[r.source] += 1;
      continue;
    }
    CorpusItem it;
    if (!rules.excludes(r)) {
      if (!r.emoji_name.empty()) {
        it.concept_id = emoji_concept(vocabulary, r.emoji_name);
        it.caption = r.emoji_name;
      } else if (auto m = vocabulary.match(rules.clean_name(r))) {
        it.concept_id = vocabulary.concepts()[(size_t)m->concept_index].id;
        it.caption =
            r.source == "openclipart" ? join_words(words_of(rules.clean_name(r)), m->end_word) : "";
      } else if (auto d = vocabulary.match(r.description)) {
        it.concept_id = vocabulary.concepts()[(size_t)d->concept_index].id;
      }
    }
    if (it.concept_id.empty()) {
      rep.by_rules[r.source] += 1;
      continue;
    }
    if (it.caption.empty() && !r.description.empty()) {
      it.caption = r.description;
      if (it.caption.back() == '.') it.caption.pop_back();
    }
    if (it.caption.empty()) it.caption = r.name;
    if (options.limit_per_source > 0 && rep.kept[r.source] >= options.limit_per_source) continue;
    rep.kept[r.source] += 1;
    it.id = r.source + ":" + r.source_id;
    it.source = r.source;
    it.file = r.source_id;
    it.licence = r.licence;
    it.attribution = r.attribution;
    int ci = vocabulary.index_of(it.concept_id);
    it.category = ci >= 0 ? vocabulary.concepts()[(size_t)ci].category : r.category;
    it.caption = one_line(it.caption);
    it.split_key = r.source + "|" + r.split_key;
    out.emplace_back(std::move(it), i);
  }
  return out;
}

void assign_split(std::vector<CorpusItem>& items, int holdout_percent,
                  const std::vector<std::string>& fixed_concepts, CorpusReport* report) {
  SYN_CHECK(holdout_percent >= 0 && holdout_percent <= 100, "picture corpus: holdout_percent ",
            holdout_percent, " is not in 0..100");
  for (CorpusItem& it : items) it.held_out = (int)(fnv1a64(it.split_key) % 100) < holdout_percent;
  for (const std::string& c : fixed_concepts) {
    std::map<std::string, std::vector<size_t>> by_source;  // source -> items of concept c
    for (size_t i = 0; i < items.size(); ++i)
      if (items[i].concept_id == c) by_source[items[i].source].push_back(i);
    if (by_source.size() < 2) {
      if (report)
        report->uncovered.push_back(
            c + " (" +
            (by_source.empty() ? "no picture" : "one source: " + by_source.begin()->first) + ")");
      continue;
    }
    std::string pick;
    for (auto& [src, idx] : by_source) {
      const auto& best = by_source[pick.empty() ? src : pick];
      if (pick.empty() || idx.size() < best.size() ||
          (idx.size() == best.size() && fnv1a64(c + "|" + src) < fnv1a64(c + "|" + pick)))
        pick = src;
    }
    for (size_t i : by_source[pick]) items[i].held_out = true;
    for (auto& [src, idx] : by_source) {
      if (src == pick) continue;
      bool any_train = false;
      for (size_t i : idx) any_train |= !items[i].held_out;
      if (!any_train) items[idx.front()].held_out = false;
    }
    if (report) report->heldout_style[c] = pick;
  }
}

PictureCorpus build_picture_corpus(const std::vector<PictureRecord>& records,
                                   const ConceptVocabulary& vocabulary, const PictureRules& rules,
                                   const CorpusOptions& options, CorpusReport* report) {
  CorpusReport local;
  CorpusReport& rep = report ? *report : local;
  rep = CorpusReport{};
  std::vector<int> sizes = options.sizes;
  std::sort(sizes.begin(), sizes.end());
  SYN_CHECK(!sizes.empty(), "picture corpus: no image sizes given");
  for (size_t k = 0; k < sizes.size(); ++k)
    SYN_CHECK(sizes[k] >= 1 && sizes[k] <= 1024 && (k == 0 || sizes[k] != sizes[k - 1]),
              "picture corpus: size ", sizes[k], " is out of 1..1024 or given twice");
  auto chosen = select_pictures(records, vocabulary, rules, options, &rep);

  PictureCorpus corpus;
  corpus.sizes = sizes;
  corpus.background = options.background;
  std::vector<std::vector<uint8_t>> pixels(sizes.size());
  for (auto& [item, index] : chosen) {
    RgbaImage img;
    try {
      img = records[index].load();
    } catch (const std::exception& e) {
      rep.failed[item.source] += 1;
      rep.kept[item.source] -= 1;
      rep.failures.push_back(item.id + ": " + e.what());
      continue;
    }
    if (looks_like_missing_image(img)) {
      rep.placeholders[item.source] += 1;
      rep.kept[item.source] -= 1;
      rep.placeholder_ids.push_back(item.id);
      continue;
    }
    for (size_t k = 0; k < sizes.size(); ++k) {
      std::vector<uint8_t> px = fit_to_canvas(img, sizes[k], options.background);
      pixels[k].insert(pixels[k].end(), px.begin(), px.end());
    }
    corpus.items.push_back(std::move(item));
  }
  SYN_CHECK(!corpus.items.empty(), "picture corpus: no picture was kept from ", records.size(),
            " offered (check the sources, --licences and the rules)");
  assign_split(corpus.items, options.holdout_percent, options.fixed_concepts, &rep);
  int64_t n = (int64_t)corpus.items.size();
  for (size_t k = 0; k < sizes.size(); ++k) {
    Tensor t = Tensor::empty({n, 3, sizes[k], sizes[k]});
    float* d = t.data();
    for (size_t i = 0; i < pixels[k].size(); ++i) d[i] = (float)pixels[k][i];
    corpus.images.push_back(t);
  }
  return corpus;
}

void save_picture_corpus(const std::string& path, const PictureCorpus& corpus) {
  SYN_CHECK(corpus.images.size() == corpus.sizes.size(), "picture corpus '", path,
            "': ", corpus.images.size(), " image tensors for ", corpus.sizes.size(), " sizes");
  Checkpoint ck;
  std::string sizes;
  for (size_t k = 0; k < corpus.sizes.size(); ++k) {
    ck.tensors.emplace_back("images_" + std::to_string(corpus.sizes[k]), corpus.images[k]);
    sizes += (k ? "," : "") + std::to_string(corpus.sizes[k]);
  }
  std::map<std::string, std::vector<std::string>> cols;
  std::map<std::string, std::string> attributions;
  for (const CorpusItem& it : corpus.items) {
    const std::pair<const char*, const std::string*> fields[] = {
        {"ids", &it.id},           {"sources", &it.source},      {"files", &it.file},
        {"licences", &it.licence}, {"concepts", &it.concept_id}, {"categories", &it.category},
        {"captions", &it.caption}};
    for (auto [key, value] : fields) {
      SYN_CHECK(!value->empty() && value->find('\n') == std::string::npos, "picture corpus '", path,
                "': picture '", it.id, "' has an empty ", key, " field or a line break");
      cols[key].push_back(*value);
    }
    cols["split"].push_back(it.held_out ? "heldout" : "train");
    cols["split_keys"].push_back(one_line(it.split_key.empty() ? it.id : it.split_key));
    attributions[it.source] = it.licence + ": " + it.attribution;
  }
  for (auto& [key, lines] : cols) ck.meta[key] = join_lines(lines);
  std::string attr;
  for (auto& [src, a] : attributions) attr += src + " — " + a + "\n";
  ck.meta["attributions"] = attr;
  for (const auto& [key, value] : corpus.extra_meta) {
    SYN_CHECK(!own_key(key), "picture corpus '", path, "': extra meta key '", key,
              "' is a key of the corpus format itself");
    ck.meta[key] = value;
  }
  ck.meta["format"] = kFormat;
  ck.meta["sizes"] = sizes;
  ck.meta["background"] = std::to_string(corpus.background);
  save_checkpoint(path, ck, /*fp16=*/true);  // integers 0..255 are exact in fp16
}

PictureCorpus load_picture_corpus(const std::string& path) {
  Checkpoint ck = load_checkpoint(path);
  SYN_CHECK(ck.meta.count("format") && ck.meta.at("format") == kFormat, "'", path,
            "' is not a picture corpus (meta/format is not '", kFormat, "')");
  auto column = [&](const std::string& key) {
    SYN_CHECK(ck.meta.count(key), "picture corpus '", path, "' has no meta/", key);
    return split_lines(ck.meta.at(key));
  };
  std::vector<std::string> ids = column("ids");
  size_t n = ids.size();
  std::map<std::string, std::vector<std::string>> cols;
  for (const char* key :
       {"sources", "files", "licences", "concepts", "categories", "captions", "split"}) {
    cols[key] = column(key);
    SYN_CHECK(cols[key].size() == n, "picture corpus '", path, "': meta/", key, " has ",
              cols[key].size(), " lines but meta/ids has ", n);
  }
  // Split keys (validation_split.h) are stored since the validation split; older files lack them.
  std::vector<std::string> split_keys;
  if (ck.meta.count("split_keys")) {
    split_keys = column("split_keys");
    SYN_CHECK(split_keys.size() == n, "picture corpus '", path, "': meta/split_keys has ",
              split_keys.size(), " lines but meta/ids has ", n);
  }
  PictureCorpus corpus;
  for (size_t i = 0; i < n; ++i) {
    CorpusItem it;
    it.id = ids[i];
    it.source = cols["sources"][i];
    it.file = cols["files"][i];
    it.licence = cols["licences"][i];
    it.concept_id = cols["concepts"][i];
    it.category = cols["categories"][i];
    it.caption = cols["captions"][i];
    SYN_CHECK(cols["split"][i] == "train" || cols["split"][i] == "heldout", "picture corpus '",
              path, "': meta/split line ", i + 1, " is '", cols["split"][i], "'");
    it.held_out = cols["split"][i] == "heldout";
    if (!split_keys.empty()) it.split_key = split_keys[i];
    corpus.items.push_back(std::move(it));
  }
  std::istringstream sizes(ck.meta.count("sizes") ? ck.meta.at("sizes") : "");
  std::string s;
  while (std::getline(sizes, s, ',')) {
    int size = std::atoi(s.c_str());
    const Tensor* t = find_named(ck.tensors, "images_" + s);
    SYN_CHECK(size > 0 && t != nullptr, "picture corpus '", path, "' has no tensor images_", s);
    Shape want{(int64_t)n, 3, size, size};
    SYN_CHECK(t->shape() == want, "picture corpus '", path, "': images_", s, " is ",
              shape_str(t->shape()), ", expected ", shape_str(want));
    corpus.sizes.push_back(size);
    corpus.images.push_back(*t);
  }
  SYN_CHECK(!corpus.sizes.empty(), "picture corpus '", path, "' has no meta/sizes");
  corpus.background = std::atoi(column("background").at(0).c_str());
  for (const auto& [key, value] : ck.meta)
    if (!own_key(key)) corpus.extra_meta[key] = value;
  return corpus;
}

void write_manifest(const std::string& path, const PictureCorpus& corpus) {
  std::string text = "id\tsource\tfile\tlicence\tconcept\tcaption\tsplit\n";
  for (const CorpusItem& it : corpus.items)
    text += it.id + "\t" + it.source + "\t" + it.file + "\t" + it.licence + "\t" + it.concept_id +
            "\t" + it.caption + "\t" + (it.held_out ? "heldout" : "train") + "\n";
  io::write_file_atomic(path, text);
}

std::string corpus_counts(const PictureCorpus& corpus) {
  std::map<std::string, std::pair<int64_t, int64_t>> per_source, per_licence;  // (all, held)
  std::map<std::string, std::map<std::string, int64_t>> per_concept;           // concept -> source
  for (const CorpusItem& it : corpus.items) {
    per_source[it.source].first += 1;
    per_source[it.source].second += it.held_out;
    per_licence[it.licence].first += 1;
    per_licence[it.licence].second += it.held_out;
    per_concept[it.concept_id][it.source] += 1;
  }
  std::ostringstream os;
  int64_t held = 0;
  for (const CorpusItem& it : corpus.items) held += it.held_out;
  os << "pictures\t" << corpus.items.size() << "\t(" << corpus.items.size() - held << " train, "
     << held << " held out)\n";
  for (auto& [s, n] : per_source)
    os << "source\t" << s << "\t" << n.first << "\t(" << n.second << " held out)\n";
  for (auto& [l, n] : per_licence)
    os << "licence\t" << l << "\t" << n.first << "\t(" << n.second << " held out)\n";
  std::map<size_t, int64_t> by_styles;
  for (auto& [c, srcs] : per_concept) by_styles[srcs.size()] += 1;
  os << "concepts\t" << per_concept.size() << "\n";
  for (size_t k = 1; k <= 5; ++k) {
    int64_t n = 0;
    for (auto& [styles, count] : by_styles)
      if (styles >= k) n += count;
    os << "concepts_with_at_least_styles\t" << k << "\t" << n << "\n";
  }
  for (auto& [c, srcs] : per_concept) {
    int64_t n = 0;
    std::string list;
    for (auto& [s, k] : srcs) {
      n += k;
      list += (list.empty() ? "" : ",") + s + "=" + std::to_string(k);
    }
    os << "concept\t" << c << "\t" << n << "\t" << srcs.size() << " styles\t" << list << "\n";
  }
  return os.str();
}

std::vector<std::string> write_source_sheets(const std::string& folder, const PictureCorpus& corpus,
                                             int size, int columns) {
  std::filesystem::create_directories(folder);
  const Tensor& all = corpus.images_at(size);
  const int64_t per = 3 * (int64_t)size * size;
  const float* px = all.data();
  std::set<std::string> sources;
  for (const CorpusItem& it : corpus.items) sources.insert(it.source);
  std::vector<std::string> written;
  for (const std::string& src : sources) {
    // The emoji dataset's contact sheet, on a dataset view of this source's pictures.
    EmojiDataset view;
    view.sizes = {size};
    view.background = corpus.background;
    std::vector<float> pixels;
    for (size_t i = 0; i < corpus.items.size(); ++i) {
      if (corpus.items[i].source != src) continue;
      EmojiItem e;
      e.name = corpus.items[i].id;
      e.held_out = corpus.items[i].held_out;
      view.items.push_back(e);
      pixels.insert(pixels.end(), px + (int64_t)i * per, px + ((int64_t)i + 1) * per);
    }
    view.images.push_back(Tensor::from_vector(pixels, {(int64_t)view.items.size(), 3, size, size}));
    std::string path = (std::filesystem::path(folder) / (src + ".png")).string();
    write_contact_sheet(path, view, size, columns);
    written.push_back(path);
  }
  return written;
}

}  // namespace syn::pictures

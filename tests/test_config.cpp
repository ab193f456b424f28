// test_config.cpp — the YAML reader (yaml-cpp, flat and strict), typed command-line overrides,
// --help and to_yaml, and every shipped config/*.yaml.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "apps/cli/app_config.h"
#include "engine/check.h"
#include "engine/config.h"

using namespace syn;
namespace fs = std::filesystem;

// The message of the syn::Error that f throws, or "<no error>".
template <class F>
static std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

static bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// An entry's type and value as one comparable text.
static std::string value_of(const ConfigEntry& e) {
  std::ostringstream os;
  os << config_type_name(e.type) << ' ' << e.i << ' ' << std::hexfloat << e.f << ' ' << e.b << ' '
     << e.s;
  for (const std::string& item : e.list) os << " [" << item << "]";
  return os.str();
}

// In the style of CLMR's config/config.yaml.
static const char* kYaml = R"(# distributed training
---
## train options
seed: 42 # random seed
batch_size: 48   # examples per optimiser step
learning_rate: 3.0e-4 # peak learning rate
weight_decay: 1e-6  # L2 penalty (PyYAML would read this as a string; we do not)
temperature: 0.5
epochs: -3 # negative ints parse
dataset: "magnatagatune # not a comment"  # dataset name
model_name: clmr # bare string
note: 'it''s fine'  # single quotes
path: "a\tb\n\"c\"\\"
url: http://host:8080/x#frag # colon and hash inside a bare value
sample_rate: 22050
supervised: False # linear evaluation only
finetune: true # train the encoder too
checkpoint: null # resume from this file
logdir: ~ # where runs go
extra:
blank_string: ""  # an empty string is not null
)";

static Config sample() { return Config::parse(kYaml, "config.yaml"); }

static std::vector<const char*> args(std::initializer_list<const char*> a) {
  std::vector<const char*> v{"app"};
  v.insert(v.end(), a.begin(), a.end());
  return v;
}

TEST_CASE("parses the flat YAML subset with the right types, values and help text") {
  Config c = sample();
  CHECK(c.entries().size() == 18);
  CHECK(c.get_int("seed") == 42);
  CHECK(c.get_int("batch_size") == 48);
  CHECK(c.get_float("learning_rate") == doctest::Approx(3.0e-4).epsilon(1e-15));
  CHECK(c.get_float("weight_decay") == 1e-6);
  CHECK(c.get_float("temperature") == 0.5);
  CHECK(c.get_int("epochs") == -3);
  CHECK(c.get_string("dataset") == "magnatagatune # not a comment");
  CHECK(c.get_string("model_name") == "clmr");
  CHECK(c.get_string("note") == "it's fine");
  CHECK(c.get_string("path") == "a\tb\n\"c\"\\");
  CHECK(c.get_string("url") == "http://host:8080/x#frag");
  CHECK(c.get_bool("supervised") == false);
  CHECK(c.get_bool("finetune") == true);
  CHECK(c.is_null("checkpoint"));
  CHECK(c.is_null("logdir"));
  CHECK(c.is_null("extra"));
  CHECK_FALSE(c.is_null("blank_string"));
  CHECK(c.get_string("blank_string").empty());
  // get_float widens an int; nothing else converts.
  CHECK(c.get_float("sample_rate") == 22050.0);

  const ConfigEntry& lr = c.entries()[2];
  CHECK(lr.key == "learning_rate");
  CHECK(lr.declared == ConfigType::Float);
  CHECK(lr.help == "peak learning rate");
  CHECK(lr.line == 6);
  CHECK(c.entries()[0].help == "random seed");
  CHECK(c.entries()[4].help.empty());  // temperature has no comment
  CHECK(c.undocumented_keys() ==
        std::vector<std::string>{"temperature", "path", "sample_rate", "extra"});
}

TEST_CASE("scalar forms: floats, booleans, nulls") {
  Config c = Config::parse(
      "a: .5\nb: 2.\nc: -1.5E+3\nd: .inf\ne: -.inf\nf: .nan\ng: True\nh: FALSE\ni: Null\n"
      "j: 1.e2\nk: +7\nl: 1e\nm: 1.2.3\nn: 0x10\no: yes\n",
      "forms.yaml");
  CHECK(c.get_float("a") == 0.5);
  CHECK(c.get_float("b") == 2.0);
  CHECK(c.get_float("c") == -1500.0);
  CHECK(std::isinf(c.get_float("d")));
  CHECK(c.get_float("e") < 0);
  CHECK(std::isnan(c.get_float("f")));
  CHECK(c.get_bool("g"));
  CHECK_FALSE(c.get_bool("h"));
  CHECK(c.is_null("i"));
  CHECK(c.get_float("j") == 100.0);
  CHECK(c.get_int("k") == 7);
  // Not numbers or booleans under this reader's rules: they stay strings.
  CHECK(c.get_string("l") == "1e");
  CHECK(c.get_string("m") == "1.2.3");
  CHECK(c.get_string("n") == "0x10");
  CHECK(c.get_string("o") == "yes");
}

TEST_CASE("YAML a flat config cannot mean is rejected naming file and line") {
  struct Bad {
    const char* text;
    const char* part;  // expected in the message besides the location
  };
  const Bad bad[] = {
      {"a: 1\nmodel:\n  depth: 3\n", "nested"},
      {"a: 1\nopt: {lr: 1}\n", "flow"},
      {"a: 1\ntags:\n- [rock]\n", "list items must be scalars"},
      {"a: 1\ntags: [{x: 1}]\n", "list items must be scalars"},
      {"a: 1\ntags: [rock, ~]\n", "got null"},
      {"a: 1\nx: y: z\n", "illegal map value"},  // yaml-cpp's words
      {"a: 1\njust words\n", "expected `key: value`"},
      {"a: 1\njustword\n", "expected `key: value`"},
      {"a: 1\nx: \"open\n", "unterminated"},
      {"a: 1\nx: 'open\ny: 2\n", "unterminated"},
      {"a: 1\nx: \"done\" trailing\n", "end of map not found"},  // yaml-cpp's words
      {"a: 1\nmy key: 3\n", "invalid key"},
      {"a: 1\nx: !!int 3\n", "unsupported YAML tag"},
      {"a: 1\n---\nb: 2\n", "second YAML document"},
      {"- a\n- b\n", "expected a mapping"},
      {"a: 1\n[x]: 2\n", "a key must be a plain name"},
  };
  for (const Bad& b : bad) {
    std::string msg = error_of([&] { Config::parse(b.text, "bad.yaml"); });
    INFO(b.text, " → ", msg);
    CHECK(contains(msg, "bad.yaml:"));
    CHECK(contains(msg, b.part));
  }
  // The line number is the offending line, not the first.
  CHECK(contains(error_of([] { Config::parse("a: 1\nb: 2\n\n  c: 3\n", "f.yaml"); }), "f.yaml:4"));
  CHECK(contains(error_of([] { Config::parse("a: 1\nb:\n  c: 3\n", "f.yaml"); }), "f.yaml:3"));
  CHECK(contains(error_of([] { Config::parse("a: 1\nb: [x,\n  [y]]\n", "f.yaml"); }), "f.yaml:3"));
  std::string dup = error_of([] { Config::parse("a: 1\nb: 2\na: 3\n", "d.yaml"); });
  CHECK(contains(dup, "d.yaml:3"));
  CHECK(contains(dup, "duplicate key 'a'"));
  CHECK(contains(dup, "line 1"));
}

TEST_CASE("full YAML: lists, quoted and multi-line strings, block scalars, anchors, comments") {
  const char* text = R"(# a comment line
tags: [rock, "hip hop", 'it''s'] # genres to draw
sizes:   # block list; its help is on the key's line
  - 64
  - 128   # a comment after an item is not the key's help
empty: [] # no items
poem: |  # a literal block keeps newlines
  line one
  line two
folded: >- # a folded block joins lines
  one
  two
spanning: "first
  second" # a double-quoted string over two lines
plain_multi: a plain
  string on two lines
base: &lr 0.25 # an anchor
copy: *lr # an alias: same value, typed the same
forced: !!str 42 # !!str keeps digits a string
hash_in_list: ["a # b", c] # quoted '#' is not a comment
)";
  Config c = Config::parse(text, "full.yaml");
  CHECK(c.get_list("tags") == std::vector<std::string>{"rock", "hip hop", "it's"});
  CHECK(c.get_list("sizes") == std::vector<std::string>{"64", "128"});
  CHECK(c.get_list("empty").empty());
  CHECK(c.get_string("poem") == "line one\nline two\n");
  CHECK(c.get_string("folded") == "one two");
  CHECK(c.get_string("spanning") == "first second");
  CHECK(c.get_string("plain_multi") == "a plain string on two lines");
  CHECK(c.get_float("base") == 0.25);
  CHECK(c.get_float("copy") == 0.25);
  CHECK(c.get_string("forced") == "42");
  CHECK(c.get_list("hash_in_list") == std::vector<std::string>{"a # b", "c"});

  auto help = [&](const std::string& k) {
    for (const ConfigEntry& e : c.entries())
      if (e.key == k) return e.help;
    return std::string("<missing>");
  };
  CHECK(help("tags") == "genres to draw");
  CHECK(help("sizes") == "block list; its help is on the key's line");
  CHECK(help("poem") == "a literal block keeps newlines");
  CHECK(help("folded") == "a folded block joins lines");
  CHECK(help("spanning").empty());  // the comment is on the string's last line, not the key's
  CHECK(help("copy") == "an alias: same value, typed the same");
  CHECK(help("hash_in_list") == "quoted '#' is not a comment");
  CHECK(c.entries()[1].line == 3);  // sizes

  std::ostringstream os;
  c.print_help(os);
  CHECK(contains(os.str(), "--tags LIST"));
  CHECK(contains(os.str(), "genres to draw (default: [\"rock\", \"hip hop\", \"it's\"])"));
  CHECK(contains(error_of([&] { c.get_int("tags"); }), "'tags' is list, not int"));
  CHECK(contains(error_of([&] { c.get_list("base"); }), "'base' is float, not list"));
}

TEST_CASE("a list key takes [a, b] or a,b from the command line and round-trips through to_yaml") {
  Config c = Config::parse("tags: [rock] # genres\nn: 1 # count\n", "l.yaml");
  auto a = args({"--tags", "[pop, \"drum and bass\"]"});
  c.apply_overrides((int)a.size(), a.data());
  CHECK(c.get_list("tags") == std::vector<std::string>{"pop", "drum and bass"});
  c.set("tags", " jazz , blues,");
  CHECK(c.get_list("tags") == std::vector<std::string>{"jazz", "blues", ""});
  c.set("tags", "");
  CHECK(c.get_list("tags").empty());
  c.set("tags", "a,\"b\"");  // outside [...] quotes are literal
  CHECK(c.get_list("tags") == std::vector<std::string>{"a", "\"b\""});
  std::string bad = error_of([&] { c.set("tags", "[x, [y]]"); });
  CHECK(contains(bad, "config key 'tags'"));
  CHECK(contains(bad, "list items must be scalars"));
  CHECK(contains(error_of([&] { c.set("tags", "[x"); }), "is not a valid list"));
  CHECK(c.get_list("tags") == std::vector<std::string>{"a", "\"b\""});  // unchanged by a failure

  c.set("tags", "[\"say \\\"hi\\\"\", 'x, y', \"new\\nline\"]");
  Config back = Config::parse(c.to_yaml(), "saved.yaml");
  CHECK(back.get_list("tags") == c.get_list("tags"));
  CHECK(back.get_list("tags")[2] == "new\nline");
  CHECK(back.entries()[0].help == "genres");
}

TEST_CASE("every shipped config/*.yaml reads, with a description for every key") {
  int n = 0;
  for (const auto& f : fs::directory_iterator(fs::path(SYN_SOURCE_DIR) / "config")) {
    if (f.path().extension() != ".yaml") continue;
    INFO(f.path().string());
    Config c;
    CHECK_NOTHROW(c = Config::load(f.path().string()));
    CHECK_FALSE(c.entries().empty());
    CHECK(c.undocumented_keys().empty());
    // Its own to_yaml reads back to the same values.
    Config back = Config::parse(c.to_yaml(), "saved.yaml");
    REQUIRE(back.entries().size() == c.entries().size());
    for (size_t i = 0; i < c.entries().size(); ++i)
      CHECK(value_of(back.entries()[i]) == value_of(c.entries()[i]));
    ++n;
  }
  CHECK(n >= 17);
}

TEST_CASE("command-line overrides: both spellings, positionals, --, dashes, --help") {
  Config c = sample();
  auto a = args({"song.mp3", "--batch_size", "64", "--learning_rate=1e-3", "--dataset", "msd",
                 "--supervised", "true", "--epochs", "-5", "--sample-rate", "16000", "other.wav",
                 "--", "--not-a-flag"});
  std::vector<std::string> pos = c.apply_overrides((int)a.size(), a.data());
  CHECK(pos == std::vector<std::string>{"song.mp3", "other.wav", "--not-a-flag"});
  CHECK(c.get_int("batch_size") == 64);
  CHECK(c.get_float("learning_rate") == 1e-3);
  CHECK(c.get_string("dataset") == "msd");
  CHECK(c.get_bool("supervised"));
  CHECK(c.get_int("epochs") == -5);
  CHECK(c.get_int("sample_rate") == 16000);
  CHECK_FALSE(c.help_requested());
  // Untouched keys keep their defaults; the last of repeated flags wins.
  CHECK(c.get_int("seed") == 42);
  auto b = args({"--seed", "1", "--seed=2", "-h"});
  CHECK(c.apply_overrides((int)b.size(), b.data()).empty());
  CHECK(c.get_int("seed") == 2);
  CHECK(c.help_requested());
  // A float key takes an integer spelling; a string key takes anything literally.
  c.set("temperature", "1");
  CHECK(c.get_float("temperature") == 1.0);
  c.set("model_name", "42");
  CHECK(c.get_string("model_name") == "42");
  // Empty values are legal with '='.
  auto e = args({"--dataset="});
  c.apply_overrides((int)e.size(), e.data());
  CHECK(c.get_string("dataset").empty());
}

TEST_CASE("override errors name the key, the value and the expected type") {
  auto run = [](std::initializer_list<const char*> a) {
    Config c = sample();
    auto v = args(a);
    return error_of([&] { c.apply_overrides((int)v.size(), v.data()); });
  };
  std::string unknown = run({"--bach_size", "3"});
  CHECK(contains(unknown, "unknown option --bach_size"));
  CHECK(contains(unknown, "did you mean --batch_size?"));
  CHECK(contains(run({"--zzzzzzzzzz", "3"}), "unknown option --zzzzzzzzzz"));
  CHECK_FALSE(contains(run({"--zzzzzzzzzz", "3"}), "did you mean"));

  std::string ill = run({"--batch_size", "4.5"});
  CHECK(contains(ill, "'batch_size'"));
  CHECK(contains(ill, "'4.5'"));
  CHECK(contains(ill, "int"));
  std::string ill_f = run({"--learning_rate=fast"});
  CHECK(contains(ill_f, "'learning_rate'"));
  CHECK(contains(ill_f, "'fast'"));
  CHECK(contains(ill_f, "float"));
  std::string ill_b = run({"--finetune", "yes"});
  CHECK(contains(ill_b, "'finetune'"));
  CHECK(contains(ill_b, "bool"));

  CHECK(contains(run({"--seed"}), "--seed needs a value"));
  CHECK(contains(run({"--seed", "--epochs", "3"}), "--seed needs a value"));
  CHECK(contains(run({"-x"}), "unknown option '-x'"));
  CHECK(contains(run({"--=3"}), "malformed option"));
  // Negative numbers and "-" are positionals, not flags.
  Config c = sample();
  auto v = args({"-", "-3"});
  CHECK(c.apply_overrides((int)v.size(), v.data()) == std::vector<std::string>{"-", "-3"});
  // A failed override leaves the old value.
  CHECK(contains(error_of([&] { c.set("batch_size", "x"); }), "not a valid int"));
  CHECK(c.get_int("batch_size") == 48);
}

TEST_CASE("getters reject unknown keys, wrong types and unset values") {
  Config c = sample();
  std::string u = error_of([&] { c.get_int("batchsize"); });
  CHECK(contains(u, "unknown key 'batchsize'"));
  CHECK(contains(u, "did you mean 'batch_size'"));
  CHECK(
      contains(error_of([&] { c.get_int("learning_rate"); }), "'learning_rate' is float, not int"));
  CHECK(contains(error_of([&] { c.get_string("seed"); }), "'seed' is int, not string"));
  CHECK(contains(error_of([&] { c.get_bool("dataset"); }), "'dataset' is string, not bool"));
  CHECK(contains(error_of([&] { c.get_string("checkpoint"); }), "is_null"));
  CHECK_FALSE(c.has("nope"));
  CHECK(c.has("seed"));
}

TEST_CASE("a null default takes a value typed by how it reads, and can be cleared") {
  Config c = sample();
  c.set("checkpoint", "runs/a/last.ckpt");
  CHECK(c.get_string("checkpoint") == "runs/a/last.ckpt");
  c.set("checkpoint", "~");
  CHECK(c.is_null("checkpoint"));
  c.set("logdir", "12");
  CHECK(c.get_int("logdir") == 12);
  c.set("extra", "0.25");
  CHECK(c.get_float("extra") == 0.25);
  c.set("extra", "true");
  CHECK(c.get_bool("extra"));
}

TEST_CASE("--help lists every key with its type, default and description") {
  Config c = sample();
  std::ostringstream os;
  c.print_help(os, "tag [options] FILE");
  std::string h = os.str();
  CHECK(h.rfind("usage: tag [options] FILE", 0) == 0);
  for (const ConfigEntry& e : c.entries()) CHECK(contains(h, "--" + e.key + " "));
  CHECK(contains(h, "--learning_rate FLOAT"));
  CHECK(contains(h, "peak learning rate (default: 3.0e-4)"));
  CHECK(contains(h, "--batch_size INT"));
  CHECK(contains(h, "examples per optimiser step (default: 48)"));
  CHECK(contains(h, "--checkpoint VALUE"));
  CHECK(contains(h, "resume from this file (default: null)"));
  CHECK(contains(h, "--finetune BOOL"));
  CHECK(contains(h, "--dataset STRING"));
  CHECK(contains(h, "(undocumented) (default: 0.5)"));
  CHECK(contains(h, "--help"));
  // Overrides do not change the documented defaults.
  c.set("batch_size", "7");
  std::ostringstream os2;
  c.print_help(os2);
  CHECK(contains(os2.str(), "(default: 48)"));
}

TEST_CASE("to_yaml round-trips the effective values and keeps descriptions") {
  Config c = sample();
  c.set("learning_rate", "0.1");  // 0.1 is not exact in binary: the round trip must still be
  c.set("dataset", "say \"hi\" # now\nline2");
  c.set("batch_size", "-9223372036854775808");
  c.set("temperature", "3");  // a float whose shortest text has no '.'
  c.set("checkpoint", "best.ckpt");
  std::string y = c.to_yaml();
  Config back = Config::parse(y, "saved.yaml");
  REQUIRE(back.entries().size() == c.entries().size());
  for (size_t i = 0; i < c.entries().size(); ++i) {
    const ConfigEntry &a = c.entries()[i], &b = back.entries()[i];
    INFO(a.key);
    CHECK(a.key == b.key);
    CHECK(a.type == b.type);
    CHECK(a.help == b.help);
    switch (a.type) {
      case ConfigType::Int:
        CHECK(a.i == b.i);
        break;
      case ConfigType::Float:
        CHECK(a.f == b.f);
        break;
      case ConfigType::String:
        CHECK(a.s == b.s);
        break;
      case ConfigType::Bool:
        CHECK(a.b == b.b);
        break;
      case ConfigType::List:
        CHECK(a.list == b.list);
        break;
      case ConfigType::Null:
        break;
    }
  }
  CHECK(back.get_float("learning_rate") == 0.1);
  CHECK(back.get_float("temperature") == 3.0);
  CHECK(back.get_int("batch_size") == INT64_MIN);
  CHECK(contains(y, "learning_rate: 0.1"));
  CHECK(contains(y, "# peak learning rate"));

  // save() creates the directory; load() reads it back; a missing file is named in the error.
  fs::path dir = fs::temp_directory_path() / ("syn_test_config_" + std::to_string(getpid()));
  std::string p = (dir / "run" / "config.yaml").string();
  c.save(p);
  Config loaded = Config::load(p);
  CHECK(loaded.get_string("checkpoint") == "best.ckpt");
  CHECK(loaded.source() == p);
  CHECK(contains(error_of([&] { Config::load((dir / "missing.yaml").string()); }), "missing.yaml"));
  // Errors in a loaded file name that file.
  std::ofstream((dir / "bad.yaml").string()) << "a: 1\nb:\n  c: x\n";
  CHECK(contains(error_of([&] { Config::load((dir / "bad.yaml").string()); }), "bad.yaml:3"));
  fs::remove_all(dir);
}

TEST_CASE("apps that take flags only reject a positional argument, naming it and the app") {
  app::AppArgs none, one;
  one.positional = {"song.wav"};
  CHECK_NOTHROW(app::require_no_positional(none, "pretrain"));
  std::string plain = error_of([&] { app::require_no_positional(one, "pretrain"); });
  CHECK(contains(plain, "pretrain takes no positional arguments, got 'song.wav'"));
  CHECK(!contains(plain, "("));
  std::string hinted = error_of([&] { app::require_no_positional(one, "caption", "use --tags"); });
  CHECK(contains(hinted, "got 'song.wav' (use --tags)"));
}

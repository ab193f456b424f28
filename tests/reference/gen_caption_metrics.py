"""gen_caption_metrics.py — golden fixtures for apps/eval/caption_metrics and data/text/porter_stemmer:
the scores LP-MusicCaps' evaluation code gives, computed by the very implementations it used.

LP-MusicCaps (lpmc/utils/metrics.py) scores captions with Hugging Face `evaluate` 0.4.0:
"bleu" (evaluate's copy of sacrebleu's 13a tokenizer + tensorflow/nmt's compute_bleu), "meteor"
(NLTK 3.8.1 single_meteor_score over word_tokenize, averaged) and "rouge" (rouge_score 0.1.2,
ROUGE-L F, bootstrap-aggregated). This script runs exactly those functions (the two files of
the BLEU metric are loaded from their sources, as `evaluate.load` would, but offline).

Setup (the default python3, not Debian's):
    pip install nltk==3.8.1 rouge_score==0.1.2 numpy
    NLTK data: corpora/wordnet (WordNet 3.0) and tokenizers/punkt (the English Punkt model),
      e.g. `python3 -m nltk.downloader wordnet punkt`, or a folder named by NLTK_DATA. Offline,
      WordNet 3.0 also comes from Debian's wordnet-base (/usr/share/wordnet) plus a `lexnames`
      file: pass --wordnet_from_debian and the script builds the folder itself.
    checkouts of huggingface/evaluate (tag v0.4.0) and tensorflow/nmt for two source files.
Run from the repository root:
    NLTK_DATA=... python3 tests/reference/gen_caption_metrics.py \
        --tokenizer_13a EVALUATE/metrics/bleu/tokenizer_13a.py \
        --nmt_bleu NMT/nmt/scripts/bleu.py \
        [--musiccaps ../shared/data/musiccaps/musiccaps-public.csv] \
        [--lp_inference LP-MUSIC-CAPS/lpmc/llm_captioning/exp/baseline_template/inference.json]
Writes tests/fixtures/caption_metrics.synt (metadata only: the texts are our own sentences,
the numbers are the references'). With --musiccaps it adds corpus numbers over the MusicCaps
CSV (never any of its text) and checks our Punkt stand-in; with --lp_inference it prints what
the reference scores on LP-MusicCaps' own template predictions, with and without WordNet.
"""
import argparse
import csv
import importlib.util
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synt  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")

# Our own caption-like pairs (prediction, reference), chosen to reach every tokenizer rule and
# metric edge case. None is taken from MusicCaps.
PAIRS = [
    ("the music is characterized by sad, mellow piano melody, ballad, soft female vocal",
     "This is a sad ballad. A soft female vocal sings over a mellow piano melody."),
    ("A male voice sings over acoustic guitar strumming.",
     "A man is singing while an acoustic guitar is strummed in the background."),
    ("The song is fast, with loud drums!", "Is the song fast? The drums are loud!! Very loud."),
    ("This song has a tempo of 120 bpm. It's 3.5 minutes long, and costs $1,000.",
     "The tempo is 120 BPM; the track lasts 3.5 minutes -- roughly."),
    ("The e-bass and hi-hats groove (in 4/4).", "An e-bass plays with hi-hats [in 4/4 time]."),
    ("children's song, can't stop, gonna dance, wanna sing",
     "A children's song: you can't stop and you're gonna dance; 'tis fun, wanna sing?"),
    ("He said \"stop.\" Then the music ends.", "\"Stop,\" he said. Then it's over."),
    ("It sounds like \u2018lo-fi\u2019 music\u2026 with \u201cwarm\u201d tape hiss.",
     "The recording\u2019s quality is low \u2014 it\u2019s lo-fi."),
    ("Dr. Dre produced this hip-hop beat. The bass is deep.",
     "This hip hop beat has deep bass, e.g. an 808. The drums hit hard."),
    ("Wow... The song is slow.", "It ends... the song fades slowly"),
    ("rock & roll &amp; blues <skipped> guitar", "A rock and roll song with blues guitar."),
    ("The recording is of poor quality.\r\nIt sounds noisy.",
     "Low quality recording -\nnoisy and muffled."),
    ("the the the the the the", "the cat sat on the mat"),
    ("instrumental, no voice, relaxing", "There are no voices in this relaxing instrumental."),
    ("THE DRUMS ARE LOUD", "the drums are loud"),
    ("An upbeat pop song with synthesizers, synth pads and synthesized strings.",
     "This upbeat pop track features synth pads and synthesizer strings."),
    ("The percussionist plays percussive patterns on percussion instruments.",
     "Percussion is played rhythmically; the rhythms are percussive."),
    ("Singers sang; the singer sings songs while singing.",
     "A singer is singing a song that was sung before."),
    ("This is a happy, cheerful and joyful tune.", "This is a sad, melancholic tune."),
    ("x", "y"),
    ("", "A lone reference with no candidate words."),
    ("...", "A reference."),
    ("Generously, relational conditional rationality; hopefulness and goodness.",
     "Generous relations conditionally rationalised hope, goodness."),
    ("The guitarist's riffs (distorted!) are 'heavy' -- and loud: very loud.",
     "Distorted guitar riffs: heavy, loud and fast."),
    ("A female vocalist and a male vocalist sing a duet in a minor key.",
     "Male and female vocals trade lines in this minor-key duet."),
    ("It is a live performance recorded in a concert hall.", "A live recording of a concert."),
    ("Played at a medium tempo, the song is mid-tempo.", "The tempo is moderate."),
    ("caf\u00e9 music na\u00efve jazz", "Cafe music with naive jazz."),
    ("'Hello' she said, 'we're here' and 'I'd go'.", "She said hello and we'd go there."),
    ("Use (a), [b], {c} and <d>; then #tags @ 50% off * now.", "Tags #1 and @2: 50% off *now*."),
    ("d'ye gimme lemme gotta more'n 'Twas 'tis", "Gimme that, lemme go, I gotta run."),
    ("The bass: deep,warm,round. Ends with a period.", "Deep, warm and round bass."),
]

# Words for the stemmer: every rule of Porter's paper and NLTK's extensions.
STEM_WORDS = """caresses ponies ties caress cats feed agreed plastered bled motoring sing conflated
troubled sized hopping tanned falling hissing fizzed failing filing happy sky relational
conditional rational valenci hesitanci digitizer conformabli radicalli differentli vileli
analogousli vietnamization predication operator feudalism decisiveness hopefulness callousness
formaliti sensitiviti sensibiliti triplicate formative formalize electriciti electrical hopeful
goodness revival allowance inference airliner gyroscopic adjustable defensible irritant
replacement adjustment dependent adoption homologou communism activate angulariti homologous
effective bowdlerize probate rate cease controll roll dying lying tying skies news innings inning
outings outing cannings canning howe proceed exceed succeed dies died cried spied flies is as at
by generously fully fulli logi analogi apologies trilogy archaeology mythology musically
melodically rhythmically dramatically percussion percussive percussionist drums drumming
drummer vocals vocalist singing singer sung sings guitars guitarist keyboards synthesizer
synthesized synthesizers melodies melodic melody harmonies harmonic harmonious energetic energy
relaxing relaxed relaxation emotional emotions emotive mellow mellowed upbeat tempo tempos bpm
recording recorded recordings quality qualities noisy noise noises distorted distortion
happy happier happiest happiness sad sadder sadness ballad ballads feeling feelings
a aa aaa ab abc y ya yay yes eye eyes ied ies tied tries boyish playing played plays
hiss hissed fizzing filling falling tanning hopped hoping hoped sized sizing trouble agreement
agree agreeing feeds bleed bleeding plaster plastering motor motors conflate conflating
caf\u00e9 na\u00efve \u00e9t\u00e9s""".split()


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class NoWordNet:
    """A WordNet with no synsets: NLTK's METEOR then runs only its exact and stem stages."""

    def synsets(self, word):
        return []


def debian_wordnet_dir():
    """An NLTK data folder whose corpora/wordnet holds Debian's WordNet 3.0 files."""
    root = tempfile.mkdtemp(prefix="nltk_data_")
    wn = os.path.join(root, "corpora", "wordnet")
    os.makedirs(wn)
    for f in os.listdir("/usr/share/wordnet"):
        src = os.path.join("/usr/share/wordnet", f)
        if os.path.isfile(src):
            os.symlink(src, os.path.join(wn, f))
    # The lexicographer file names of WordNet 3.0 (lexnames(5WN)) with their syntactic category.
    names = ("adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact "
             "noun.attribute noun.body noun.cognition noun.communication noun.event "
             "noun.feeling noun.food noun.group noun.location noun.motive noun.object "
             "noun.person noun.phenomenon noun.plant noun.possession noun.process "
             "noun.quantity noun.relation noun.shape noun.state noun.substance noun.time "
             "verb.body verb.change verb.cognition verb.communication verb.competition "
             "verb.consumption verb.contact verb.creation verb.emotion verb.motion "
             "verb.perception verb.possession verb.social verb.stative verb.weather "
             "adj.ppl").split()
    cat = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}
    with open(os.path.join(wn, "lexnames"), "w") as f:
        for i, n in enumerate(names):
            f.write("%02d\t%s\t%d\n" % (i, n, cat[n.split(".")[0]]))
    return root


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer_13a", required=True, help="evaluate v0.4.0 metrics/bleu/tokenizer_13a.py")
    ap.add_argument("--nmt_bleu", required=True, help="tensorflow/nmt nmt/scripts/bleu.py")
    ap.add_argument("--musiccaps", default="", help="musiccaps-public.csv for corpus numbers")
    ap.add_argument("--lp_inference", default="", help="LP-MusicCaps baseline_template/inference.json")
    ap.add_argument("--wordnet_from_debian", action="store_true")
    args = ap.parse_args()

    if args.wordnet_from_debian:
        root = debian_wordnet_dir()
        os.environ["NLTK_DATA"] = root + os.pathsep + os.environ.get("NLTK_DATA", "")
    import nltk  # after NLTK_DATA is set

    if args.wordnet_from_debian:
        nltk.data.path.insert(0, root)
    assert nltk.__version__ == "3.8.1", "LP-MusicCaps used nltk 3.8.1, found " + nltk.__version__
    from nltk.corpus import wordnet
    from nltk.stem.porter import PorterStemmer
    from nltk.tokenize import sent_tokenize, word_tokenize
    from nltk.translate.meteor_score import single_meteor_score
    from rouge_score import rouge_scorer, scoring
    from rouge_score import tokenize as rouge_tokenize

    tok13a = load_module("tokenizer_13a", args.tokenizer_13a).Tokenizer13a()
    compute_bleu = load_module("nmt_bleu", args.nmt_bleu).compute_bleu
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    no_wn = NoWordNet()

    def bleu(preds, refs, order):
        # evaluate's Bleu._compute with one reference per prediction.
        r = compute_bleu([[tok13a(x)] for x in refs], [tok13a(p) for p in preds],
                         max_order=order, smooth=False)
        return r[0]

    def meteor(ref, pred, wn):
        return single_meteor_score(word_tokenize(ref), word_tokenize(pred), wordnet=wn)

    def rouge_l(ref, pred):
        return scorer.score(ref, pred)["rougeL"].fmeasure

    def bootstrap_rouge(refs, preds):
        np.random.seed(0)  # the aggregator draws with numpy's global generator
        agg = scoring.BootstrapAggregator()
        for r, p in zip(refs, preds):
            agg.add_scores(scorer.score(r, p))
        return float(agg.aggregate()["rougeL"].mid.fmeasure)

    meta = {"count": len(PAIRS)}
    J = "\n".join
    for i, (pred, ref) in enumerate(PAIRS):
        k = "pair/%d/" % i
        meta[k + "pred"] = pred
        meta[k + "ref"] = ref
        for side, text in (("pred", pred), ("ref", ref)):
            meta[k + side + "_13a"] = J(tok13a(text))
            meta[k + side + "_rouge"] = J(rouge_tokenize.tokenize(text, None))
            meta[k + side + "_nltk"] = J(word_tokenize(text))
            meta[k + side + "_sents"] = J(s.replace("\n", " ") for s in sent_tokenize(text))
            meta[k + side + "_nsents"] = len(sent_tokenize(text))
        meta[k + "meteor"] = repr(meteor(ref, pred, no_wn))
        meta[k + "meteor_wordnet"] = repr(meteor(ref, pred, wordnet))
        meta[k + "rougeL"] = repr(rouge_l(ref, pred))
        if tok13a(ref) and tok13a(pred):
            for n in range(1, 5):
                meta[k + "bleu%d" % n] = repr(bleu([pred], [ref], n))
    preds = [p for p, _ in PAIRS]
    refs = [r for _, r in PAIRS]
    for n in range(1, 5):
        meta["corpus/bleu%d" % n] = repr(bleu(preds, refs, n))
    meta["corpus/meteor"] = repr(float(np.mean([meteor(r, p, no_wn) for p, r in PAIRS])))
    meta["corpus/meteor_wordnet"] = repr(float(np.mean([meteor(r, p, wordnet) for p, r in PAIRS])))
    meta["corpus/rougeL_mean"] = repr(float(np.mean([rouge_l(r, p) for p, r in PAIRS])))
    meta["corpus/rougeL_bootstrap"] = repr(bootstrap_rouge(refs, preds))

    stemmer = PorterStemmer()
    words = list(dict.fromkeys(STEM_WORDS + [w.lower() for p, r in PAIRS
                                             for w in word_tokenize(p) + word_tokenize(r)]))
    meta["stem/words"] = J(words)
    meta["stem/stems"] = J(stemmer.stem(w) for w in words)

    if args.musiccaps:
        with open(args.musiccaps, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        import ast

        ev = [r for r in rows if r["is_audioset_eval"] == "True"]
        caps = [r["caption"] for r in rows]
        # Corpus-level facts our C++ must reproduce on the same file (no text stored).
        meta["musiccaps/rows"] = len(rows)
        meta["musiccaps/eval_rows"] = len(ev)
        meta["musiccaps/tags"] = sum(len(ast.literal_eval(r["aspect_list"])) for r in rows)
        meta["musiccaps/sentences"] = sum(len(sent_tokenize(c)) for c in caps)
        meta["musiccaps/nltk_tokens"] = sum(len(word_tokenize(c)) for c in caps)
        meta["musiccaps/13a_tokens"] = sum(len(tok13a(c)) for c in caps)
        meta["musiccaps/rouge_tokens"] = sum(len(rouge_tokenize.tokenize(c, None)) for c in caps)
        # Two systems on the evaluation rows, scored by the reference implementations:
        #   template: "the music is characterized by " + tags joined with ", " in file order;
        #   swapped:  each row's caption predicted by the next row's (human text on both sides).
        systems = {
            "template": ["the music is characterized by " + ", ".join(ast.literal_eval(r["aspect_list"]))
                         for r in ev],
            "swapped": [ev[(i + 1) % len(ev)]["caption"] for i in range(len(ev))],
        }
        ev_refs = [r["caption"] for r in ev]
        for name, sys_preds in systems.items():
            k = "musiccaps/%s/" % name
            for n in range(1, 5):
                meta[k + "bleu%d" % n] = repr(bleu(sys_preds, ev_refs, n))
            m0 = [meteor(r, p, no_wn) for p, r in zip(sys_preds, ev_refs)]
            meta[k + "meteor"] = repr(float(np.mean(m0)))
            meta[k + "rougeL_mean"] = repr(float(np.mean([rouge_l(r, p) for p, r in zip(sys_preds, ev_refs)])))
            if name == "template":
                m1 = [meteor(r, p, wordnet) for p, r in zip(sys_preds, ev_refs)]
                meta[k + "meteor_wordnet"] = repr(float(np.mean(m1)))
                meta[k + "rougeL_bootstrap"] = repr(bootstrap_rouge(ev_refs, sys_preds))
            print(name, {kk[len(k):]: meta[kk] for kk in meta if kk.startswith(k)})
        # Stems of every word NLTK finds in the captions: a count of the distinct words and a
        # CRC of "word<TAB>stem\n" lines in sorted order, so C++ can check all of them.
        import zlib

        vocab = sorted({w.lower() for c in caps for w in word_tokenize(c)})
        blob = "".join("%s\t%s\n" % (w, stemmer.stem(w)) for w in vocab).encode("utf-8")
        meta["musiccaps/vocab"] = len(vocab)
        meta["musiccaps/vocab_stem_crc32"] = zlib.crc32(blob) & 0xFFFFFFFF

    if args.lp_inference:
        import json

        with open(args.lp_inference) as f:
            inf = json.load(f)
        p = [x["prediction"] for x in inf]
        g = [x["ground_truth"] for x in inf]
        res = {"n": len(p)}
        for n in range(1, 5):
            res["bleu%d" % n] = bleu(p, g, n)
        res["meteor_wordnet"] = float(np.mean([meteor(r, q, wordnet) for q, r in zip(p, g)]))
        res["meteor_no_wordnet"] = float(np.mean([meteor(r, q, no_wn) for q, r in zip(p, g)]))
        res["rougeL_mean"] = float(np.mean([rouge_l(r, q) for q, r in zip(p, g)]))
        res["rougeL_bootstrap"] = bootstrap_rouge(g, p)
        print("LP-MusicCaps template predictions, reference implementations:", res)

    path = os.path.join(OUT, "caption_metrics.synt")
    synt.write(path, {}, meta)
    print("wrote", os.path.relpath(path), os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()

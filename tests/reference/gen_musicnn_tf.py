"""gen_musicnn_tf.py — what musicnn's own TensorFlow graph computes, for tests/test_musicnn.cpp.

Builds the graph with musicnn 0.1.0's models.py (unchanged), restores the published MTT_musicnn
and MSD_musicnn checkpoints exactly as its extractor does, feeds one deterministic log-mel
patch [1, 187, 96] and stores the outputs, so the test checks our port (models/musicnn.cpp +
the converted weights in models/weights/) layer by layer without TensorFlow at run time.

Run from the repository root with the default Python 3.11 (TensorFlow 2.21 needs the legacy
Keras for tf.compat.v1.layers):
    pip install tensorflow-cpu tf_keras
    pip download musicnn==0.1.0 --no-deps -d /tmp/mn && (cd /tmp/mn && unzip -o musicnn-*.whl)
    TF_USE_LEGACY_KERAS=1 python3 tests/reference/gen_musicnn_tf.py /tmp/mn
Writes tests/fixtures/musicnn_tf_reference.synt:
    x                       the input patch [1, 187, 96]
    <mtt|msd>/probabilities the sigmoid outputs [1, 50]       (extractor's taggram row)
    <mtt|msd>/logits        [1, 50]
    <mtt|msd>/penultimate   [1, 200]                          (dense_bn output)
    <mtt|msd>/max_pool, mean_pool  [1, 753]
    <mtt|msd>/timbral_edges, temporal_edges, cnn3_edges: the first 4 and last 4 frames of those
        feature maps, TF layout [1, 8, C] (the frames where padding conventions show)
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synt  # noqa: E402

OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures",
                                    "musicnn_tf_reference.synt"))
FRAMES, MELS = 187, 96


def make_input():
    """A log-mel-like patch: smooth spectral envelope, onsets, noise; values in [0, ~4]."""
    rng = np.random.RandomState(2019)
    t = np.arange(FRAMES)[:, None]
    f = np.arange(MELS)[None, :]
    envelope = 2.5 * np.exp(-f / 40.0) + 0.3 * np.sin(f / 5.0) ** 2
    beats = 1.2 * (np.mod(t, 23) < 3) * np.exp(-f / 60.0)
    noise = 0.4 * rng.rand(FRAMES, MELS)
    x = np.clip(envelope + beats + noise, 0, None)
    return x[None].astype(np.float32)


def edges(a):
    return np.concatenate([a[:, :4], a[:, -4:]], axis=1)


def run(musicnn_root, model, x):
    sys.path.insert(0, musicnn_root)
    from musicnn import models  # noqa: E402

    tf.compat.v1.disable_eager_execution()
    tf.compat.v1.reset_default_graph()
    with tf.name_scope("model"):
        xp = tf.compat.v1.placeholder(tf.float32, [None, FRAMES, MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        y, timbral, temporal, cnn1, cnn2, cnn3, mean_pool, max_pool, penultimate = \
            models.define_model(xp, is_training, model, 50)
        prob = tf.nn.sigmoid(y)
    with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver().restore(sess, os.path.join(musicnn_root, "musicnn", model) + "/")
        out = sess.run([prob, y, penultimate, max_pool, mean_pool, timbral, temporal, cnn3],
                       feed_dict={xp: x, is_training: False})
    p, logits, pen, mx, mn, tim, tem, c3 = out
    return {
        "probabilities": p, "logits": logits, "penultimate": pen, "max_pool": mx,
        "mean_pool": mn, "timbral_edges": edges(tim), "temporal_edges": edges(tem),
        "cnn3_edges": edges(c3[..., 0]),
    }


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "/tmp/mn"
    x = make_input()
    tensors = {"x": x}
    for model, key in (("MTT_musicnn", "mtt"), ("MSD_musicnn", "msd")):
        for name, value in run(root, model, x).items():
            tensors[key + "/" + name] = value
    synt.write(OUT, tensors, {"frames": FRAMES, "tensorflow": tf.__version__})
    for k, v in tensors.items():
        print(k, v.shape)
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()

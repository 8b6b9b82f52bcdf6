"""Counter-based random numbers: the value for (seed, applicant, day, stream) is a pure function.

The simulator must give the same daily flows for an applicant whether it is asked for one
applicant online or a million in chunks offline; a stateful generator cannot, because the
numbers would depend on the batch. A splitmix64 hash of the coordinates can, and vectorises.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
UInt64Array = npt.NDArray[np.uint64]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


_MASK = (1 << 64) - 1


def _splitmix(values: UInt64Array) -> UInt64Array:
    """splitmix64 on an array (wrapping uint64 arithmetic: arrays never warn on overflow)."""
    z = values + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX_1
    z = (z ^ (z >> np.uint64(27))) * _MIX_2
    return z ^ (z >> np.uint64(31))


def _splitmix_int(value: int) -> int:
    """The same on one Python integer (for the seed/stream key)."""
    z = (value + 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _chain(seed: int, stream: int, coordinates: tuple[npt.ArrayLike, ...]) -> UInt64Array:
    state = np.array([_splitmix_int(seed * 1_000_003 + stream)], dtype=np.uint64)
    for coordinate in coordinates:
        state = _splitmix(state ^ np.atleast_1d(np.asarray(coordinate)).astype(np.uint64))
    return state


def uniform(seed: int, stream: int, *coordinates: npt.ArrayLike) -> FloatArray:
    """Uniform (0, 1) numbers, one per broadcast element of the coordinates."""
    state = _chain(seed, stream, coordinates)
    return ((state >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)


def normal(seed: int, stream: int, *coordinates: npt.ArrayLike) -> FloatArray:
    """Standard normal numbers (Box–Muller over two independent uniform streams)."""
    first = uniform(seed, stream * 2 + 1, *coordinates)
    second = uniform(seed, stream * 2 + 2, *coordinates)
    return np.sqrt(-2.0 * np.log(first)) * np.cos(2.0 * np.pi * second)


def hashes(seed: int, stream: int, *coordinates: npt.ArrayLike) -> UInt64Array:
    """One 64-bit hash per broadcast element; split it with `halves` for two numbers at once."""
    return _chain(seed, stream, coordinates)


def halves(hashed: UInt64Array) -> tuple[FloatArray, FloatArray]:
    """Two uniform (0, 1) numbers from the high and low 32 bits of each hash."""
    high = (hashed >> np.uint64(32)).astype(np.float64)
    low = (hashed & np.uint64(0xFFFFFFFF)).astype(np.float64)
    scale = float(1 << 32)
    return (high + 0.5) / scale, (low + 0.5) / scale


def normal_from(hashed: UInt64Array) -> FloatArray:
    """A standard normal number per hash (Box–Muller on its two halves)."""
    first, second = halves(hashed)
    return np.sqrt(-2.0 * np.log(first)) * np.cos(2.0 * np.pi * second)

"""Which partition a keyed record goes to: the Java client's default, murmur2 of the key,
as aiokafka's ``DefaultPartitioner`` chooses it (so one customer's events share a partition
whichever client publishes them), computed in about half its time: scoring hashes the key
of every moment it publishes."""

from __future__ import annotations

import random
import struct
from collections.abc import Sequence

_SEED = 0x9747B28C
_M = 0x5BD1E995  # murmur2's mixing constant
_MASK = 0xFFFFFFFF
# The key's 4-byte words at once, little-endian as the reference implementation reads them:
# one unpacking per key rather than one per word (customer ids are up to 128 bytes).
_WORDS = [struct.Struct(f"<{count}I") for count in range(33)]


def murmur2(data: bytes) -> int:
    """MurmurHash2 of ``data`` as the Java client computes it (an unsigned 32-bit value)."""
    length = len(data)
    h = _SEED ^ length
    count = length >> 2
    words = _WORDS[count] if count < len(_WORDS) else struct.Struct(f"<{count}I")
    for k in words.unpack_from(data):
        k = k * _M & _MASK
        # h·m xor k·m, reduced once: the low 32 bits of a product depend only on the
        # low 32 bits of its factors
        h = (h * _M ^ (k ^ k >> 24) * _M) & _MASK
    if length & 3:  # the last one to three bytes, the first of them lowest
        h = ((h ^ int.from_bytes(data[count << 2 :], "little")) * _M) & _MASK
    h ^= h >> 13
    h = h * _M & _MASK
    return h ^ (h >> 15)


def partition_of(key: bytes, partitions: Sequence[int]) -> int:
    """The partition of ``partitions`` (sorted) that ``key``'s records go to."""
    return partitions[(murmur2(key) & 0x7FFFFFFF) % len(partitions)]


def key_partitioner(key: bytes | None, partitions: list[int], available: list[int]) -> int:
    """For ``AIOKafkaProducer(partitioner=...)``: as its default, a record without key to
    a random partition (an available one when there are)."""
    if key is None:
        return random.choice(available or partitions)  # spreading, not secrecy
    return partition_of(key, partitions)

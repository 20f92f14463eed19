"""Our partitioner puts every key where aiokafka's default (the Java client's) puts it:
one customer's events share a partition whichever client publishes them."""

from __future__ import annotations

import random

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2
from hypothesis import given
from hypothesis import strategies as st

from shared.kafka.partitioner import key_partitioner, murmur2, partition_of, partitions_of

DEFAULT = DefaultPartitioner()


@given(st.binary(max_size=300))
def test_murmur2_is_aiokafkas(data: bytes) -> None:
    assert murmur2(data) == aiokafka_murmur2(data)


@given(st.text(min_size=1, max_size=128), st.integers(min_value=1, max_value=64))
def test_a_key_lands_where_aiokafka_puts_it(customer: str, count: int) -> None:
    key, partitions = customer.encode(), list(range(count))
    assert partition_of(key, partitions) == DEFAULT(key, partitions, partitions)
    assert key_partitioner(key, partitions, []) == DEFAULT(key, partitions, partitions)


@given(
    st.lists(st.binary(min_size=0, max_size=140), max_size=60),
    st.lists(st.binary(min_size=1, max_size=140), min_size=8, max_size=30),
    st.integers(min_value=1, max_value=64),
)
def test_keys_hashed_side_by_side_land_where_aiokafka_puts_each(
    mixed: list[bytes], alike: list[bytes], count: int
) -> None:
    """Keys of one length (``alike`` cut to the shortest: hashed side by side) among keys
    of any length, in any order."""
    shortest = min(map(len, alike))
    keys = [*mixed, *(key[:shortest] for key in alike)]
    random.Random(count).shuffle(keys)
    partitions = list(range(count))
    assert partitions_of(keys, partitions) == [DEFAULT(key, partitions, partitions) for key in keys]


def test_customer_ids_of_one_length_hashed_side_by_side() -> None:
    keys = [f"bench-20261206-customer-{n:05d}".encode() for n in range(2_000)]
    assert partitions_of(keys, [0, 3, 7]) == [partition_of(key, [0, 3, 7]) for key in keys]
    assert partitions_of([], [0]) == []


def test_known_hashes_of_the_java_client() -> None:
    # org.apache.kafka.common.utils.Utils.murmur2 on these bytes (kafka's UtilsTest)
    assert murmur2(b"21") == (-973932308) & 0xFFFFFFFF
    assert murmur2(b"foobar") == (-790332482) & 0xFFFFFFFF
    assert murmur2(b"a-little-bit-long-string") == (-985981536) & 0xFFFFFFFF
    assert murmur2(b"a-little-bit-longer-string") == (-1486304829) & 0xFFFFFFFF
    assert murmur2(b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") == (-58897971) & 0xFFFFFFFF
    assert murmur2(b"abc") == 479470107


def test_a_record_without_key_goes_to_an_available_partition() -> None:
    assert {key_partitioner(None, [0, 1, 2, 3], [2]) for _ in range(20)} == {2}
    assert key_partitioner(None, [0, 1, 2], []) in {0, 1, 2}


def test_many_random_keys_hash_as_aiokafka_hashes_them() -> None:
    # customer ids as clients send them (ASCII, accented, other scripts), of every length
    # up to past the longest identifier, and raw bytes
    rng = random.Random(15)
    alphabet = "abcXYZ09-_:.@éèçßøΩЖ中文🙂"
    for _ in range(5_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 160)))
        raw = rng.randbytes(rng.randrange(0, 300))
        for key in (text.encode(), raw):
            assert murmur2(key) == aiokafka_murmur2(key), key
            partitions = list(range(rng.randrange(1, 64)))
            assert partition_of(key, partitions) == DEFAULT(key, partitions, partitions)

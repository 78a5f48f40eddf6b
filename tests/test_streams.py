"""Named random streams: reproducible, independent, and stable when a stream is added."""

from __future__ import annotations

import numpy as np

from sim.model import streams
from sim.model.streams import STREAM_NAMES, SeedKey, Streams


def test_same_key_same_draws_and_different_keys_differ():
    a, b = Streams(SeedKey(1, 0, 3)), Streams(SeedKey(1, 0, 3))
    for name in STREAM_NAMES:
        assert np.array_equal(a[name].random(5), b[name].random(5))
    other = Streams(SeedKey(1, 0, 4))
    assert not np.array_equal(
        Streams(SeedKey(1, 0, 3))["drift"].random(5), other["drift"].random(5)
    )
    assert not np.array_equal(
        Streams(SeedKey(2, 0, 3))["drift"].random(5), Streams(SeedKey(1, 0, 3))["drift"].random(5)
    )


def test_streams_of_one_key_are_distinct():
    s = Streams(SeedKey(9, 0, 0))
    firsts = {name: s[name].random() for name in STREAM_NAMES}
    assert len(set(firsts.values())) == len(STREAM_NAMES)


def test_appending_a_stream_leaves_the_others_unchanged(monkeypatch):
    before = {name: Streams(SeedKey(5, 1, 2))[name].random(4) for name in STREAM_NAMES}
    monkeypatch.setattr(streams, "STREAM_NAMES", (*STREAM_NAMES, "a_new_mechanism"))
    after = Streams(SeedKey(5, 1, 2))
    for name in STREAM_NAMES:
        assert np.array_equal(before[name], after[name].random(4))
    assert after["a_new_mechanism"].random() is not None


def test_council_substreams_are_reproducible_and_distinct():
    a, b = Streams(SeedKey(3, 0, 1)), Streams(SeedKey(3, 0, 1))
    assert a.council("judgements", 5).random() == b.council("judgements", 5).random()
    c = Streams(SeedKey(3, 0, 1))
    draws = {c.council("judgements", i).random() for i in range(50)}
    assert len(draws) == 50
    # a council's sub-stream does not depend on which other councils drew first
    d = Streams(SeedKey(3, 0, 1))
    d.council("judgements", 9).random(100)
    assert (
        d.council("judgements", 5).random()
        == Streams(SeedKey(3, 0, 1)).council("judgements", 5).random()
    )

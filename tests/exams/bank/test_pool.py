"""Filling sections that share a category's questions (:func:`exams.bank.pool.allocate`): a maximum flow from the
sections to the (tag, kind) groups — the answer both the blueprint check and the draw use."""
from __future__ import annotations

import random
from types import SimpleNamespace

from exams.bank.pool import allocate

SINGLE, MULTIPLE = (None, "single"), (None, "multiple")


def section(count: int, kind: str | None = None, tag: str | None = None):
    return SimpleNamespace(count=count, kind=kind, tag=tag)


def valid(sections, cells, allocation) -> None:
    """No group gives more than it has; no section takes from a group outside its pool, or more than its count."""
    for cell, have in cells.items():
        assert sum(took.get(cell, 0) for took in allocation) <= have
    for s, took in zip(sections, allocation, strict=True):
        assert sum(took.values()) <= s.count
        assert all((not s.kind or s.kind == kind) and (not s.tag or s.tag == tag) for tag, kind in took)


def test_a_broad_section_first_leaves_the_narrow_one_what_only_it_can_take():
    sections = [section(2), section(2, "single")]
    cells = {SINGLE: 2, MULTIPLE: 2}
    assert allocate(sections, cells) == [{MULTIPLE: 2}, {SINGLE: 2}]
    for seed in range(50):
        assert allocate(sections, cells, random.Random(seed)) == [{MULTIPLE: 2}, {SINGLE: 2}]


def test_when_the_sections_cannot_all_be_filled_the_totals_are_the_most_that_can():
    sections = [section(4), section(5, "single"), section(1, "single")]
    cells = {SINGLE: 5, MULTIPLE: 5}
    for rng in (None, random.Random(3)):
        allocation = allocate(sections, cells, rng)
        valid(sections, cells, allocation)
        assert sum(sum(took.values()) for took in allocation) == 9  # the singles serve the last two: 5 + 4


def test_tags_and_kinds_filter_the_groups():
    cells = {("城市管理", "single"): 3, ("市场监管", "single"): 3, ("城市管理", "multiple"): 2}
    sections = [section(4, tag="城市管理"), section(3, "single", "市场监管"), section(1, "single")]
    allocation = allocate(sections, cells, random.Random(1))
    valid(sections, cells, allocation)
    assert [sum(took.values()) for took in allocation] == [4, 3, 1]


def test_with_an_rng_a_broad_section_mixes_the_groups_as_a_random_draw_would():
    sections = [section(4), section(2, "single")]
    cells = {SINGLE: 6, MULTIPLE: 6}
    splits = {tuple(sorted(allocate(sections, cells, random.Random(seed))[0].items())) for seed in range(50)}
    assert len(splits) >= 3  # 4 + 0, 3 + 1, 2 + 2 …: not always all from one group
    assert allocate(sections, cells, random.Random(7)) == allocate(sections, cells, random.Random(7))

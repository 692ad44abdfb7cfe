"""The active questions a blueprint section can draw from, and how sections sharing them are filled — shared by the
blueprint check and the draw."""
from __future__ import annotations

import random
from collections import deque

import sqlalchemy as sa

from exams.bank.models import Question, QuestionVersion

#: a group of a category's questions: (tag, kind)
Cell = tuple[str | None, str]


def pool(category: str, tag: str | None = None, kind: str | None = None) -> sa.Select:
    """``SELECT question.id, question_version.id`` of the active questions of ``category`` (and ``tag`` and
    ``kind`` when given), each with its current version."""
    query = (sa.select(Question.id.label("question_id"), QuestionVersion.id.label("version_id"))
             .join(QuestionVersion, sa.and_(QuestionVersion.question_id == Question.id,
                                            QuestionVersion.version == Question.version))
             .where(Question.status == "active", Question.category == category))
    if tag:
        query = query.where(Question.tag == tag)
    if kind:
        query = query.where(Question.kind == kind)
    return query


def pool_size(category: str, tag: str | None = None, kind: str | None = None) -> int:
    """How many active questions :func:`pool` offers."""
    from portal.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(pool(category, tag, kind).subquery())) or 0


def fits(section, cell: Cell) -> bool:
    """Whether the questions of ``cell`` are in the pool of ``section`` (its ``tag`` and ``kind``, empty = any), as
    :func:`pool` filters them."""
    tag, kind = cell
    return (not section.tag or section.tag == tag) and (not section.kind or section.kind == kind)


def allocate(sections, cells: dict[Cell, int], rng: random.Random | None = None) -> list[dict[Cell, int]]:
    """How many questions each of ``sections`` (of one category) takes from each group of ``cells`` (group →
    active questions), no question serving two sections: per section ``{group: how many}``.

    The result is a maximum flow sections → groups, so every section gets its ``count`` whenever the bank can give
    all the sections theirs at once; otherwise the totals fall short, and their sum is the most the sections can
    draw together. It is found in two steps: each section in blueprint order takes its questions one by one from
    the groups it may draw, in proportion to the questions left in them (with ``rng``: at random, as drawing from
    its pool would; without: the first group in order); then a section left short takes a question from a group
    with some left, along a chain of sections each giving one group's question back and taking another's
    (augmenting paths, explored in an order shuffled by ``rng``)."""
    keys = sorted(cells, key=lambda cell: (cell[0] or "", cell[1]))
    if rng is not None:
        rng.shuffle(keys)
    left = {key: cells[key] for key in keys}
    taken = [dict.fromkeys(keys, 0) for _ in sections]
    for section, took in zip(sections, taken, strict=True):
        open_cells = [key for key in keys if fits(section, key)]
        for _ in range(section.count):
            open_cells = [key for key in open_cells if left[key] > 0]
            if not open_cells:
                break
            key = rng.choices(open_cells, [left[k] for k in open_cells])[0] if rng else open_cells[0]
            took[key] += 1
            left[key] -= 1
    while _augment(sections, keys, taken, left):
        pass
    return [{key: n for key, n in took.items() if n} for took in taken]


def _augment(sections, keys: list[Cell], taken: list[dict[Cell, int]], left: dict[Cell, int]) -> bool:
    """Give one more question to a section short of them (breadth first from all of them: section → a group it may
    draw → a section holding one of that group's questions → …, up to a group with a question left); False when
    none can have one."""
    short = [i for i, section in enumerate(sections) if sum(taken[i].values()) < section.count]
    parent: dict = dict.fromkeys(short)  # a section (its index) or a group (its key) → where the search came from
    queue = deque(short)
    while queue:
        node = queue.popleft()
        if isinstance(node, int):
            following = [key for key in keys if fits(sections[node], key)]
        elif left[node] > 0:
            left[node] -= 1
            while node is not None:  # back along the path: each section takes the group after it, gives the one before
                section = parent[node]
                taken[section][node] += 1
                node = parent[section]
                if node is not None:
                    taken[section][node] -= 1
            return True
        else:
            following = [i for i in range(len(sections)) if taken[i][node] > 0]
        for nxt in following:
            if nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    return False

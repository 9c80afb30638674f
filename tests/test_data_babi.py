"""lstmlib.data.babi: bAbI-style stories of tasks 1 and 2.

The answers and supporting facts are checked by an independent reader: a regular-expression
parser of the story *text* and a small simulation of the world it describes, written here
without the generator's code or state.
"""

import re
from collections import Counter

import pytest

from lstmlib.data import babi

MOVE = re.compile(r"^(Mary|John|Sandra|Daniel) (?:moved to|went to|journeyed to|travelled to|went back to) "
                  r"the (bathroom|bedroom|garden|hallway|kitchen|office)\.$")
GRAB = re.compile(r"^(Mary|John|Sandra|Daniel) (?:picked up|got|grabbed|took) the (apple|football|milk)\.$")
DROP = re.compile(r"^(Mary|John|Sandra|Daniel) (?:dropped|discarded|put down|left) the (apple|football|milk)\.$")
WHERE_PERSON = re.compile(r"^Where is (Mary|John|Sandra|Daniel)\?$")
WHERE_OBJECT = re.compile(r"^Where is the (apple|football|milk)\?$")


def read_story(story, question):
    """Answer by simulating the story text: returns (answer, supporting fact indices)."""
    at, moved_at = {}, {}               # person -> (place, sentence index) of their last move
    carried, lying = {}, {}             # object -> (person, index); object -> (place, (indices))
    for i, sentence in enumerate(story):
        if m := MOVE.match(sentence):
            at[m[1]] = (m[2], i)
        elif m := GRAB.match(sentence):
            assert m[1] in at, f"{m[1]} takes the {m[2]} before anyone knows where {m[1]} is"
            assert m[2] not in carried, f"the {m[2]} is taken twice: {story}"
            carried[m[2]] = (m[1], i)
            lying.pop(m[2], None)
        elif m := DROP.match(sentence):
            assert carried.get(m[2], (None,))[0] == m[1], f"{m[1]} drops the {m[2]} without holding it"
            del carried[m[2]]
            lying[m[2]] = (at[m[1]][0], (at[m[1]][1], i))
        else:
            raise AssertionError(f"unparsed sentence: {sentence!r}")
    if m := WHERE_PERSON.match(question):
        place, i = at[m[1]]
        return place, (i,)
    m = WHERE_OBJECT.match(question)
    assert m, f"unparsed question: {question!r}"
    if m[1] in carried:
        person, i = carried[m[1]]
        return at[person][0], tuple(sorted((i, at[person][1])))
    return lying[m[1]]


@pytest.fixture(scope="module", params=[1, 2])
def examples(request):
    return request.param, babi.make_task(request.param, 1000, seed=0)


def test_answers_and_supports_match_an_independent_reader(examples):
    task, exs = examples
    assert len(exs) == 1000
    for ex in exs:
        assert ex.task == task
        answer, supports = read_story(ex.story, ex.question)
        assert ex.answer == answer, (ex, answer)
        assert tuple(ex.supports) == supports, (ex, supports)
        assert len(ex.supports) == task


def test_supporting_facts_are_enough(examples):
    """The supporting facts alone give the answer: the move of the person asked about (task 1),
    or the last sentence about the object and a move of the person in it to the answer (task 2)."""
    task, exs = examples
    for ex in exs:
        facts = [ex.story[i] for i in ex.supports]
        if task == 1:
            m = MOVE.match(facts[0])
            assert m and f"Where is {m[1]}?" == ex.question and m[2] == ex.answer, ex
        else:
            move, about = (MOVE.match(facts[0]), facts[1]) if MOVE.match(facts[0]) else (MOVE.match(facts[1]), facts[0])
            m = GRAB.match(about) or DROP.match(about)
            assert move and m, ex
            assert m[1] == move[1] and move[2] == ex.answer and ex.question == f"Where is the {m[2]}?", ex


def test_vocabulary_and_form(examples):
    task, exs = examples
    words = Counter(w for ex in exs for s in ex.story + [ex.question] for w in babi.tokenize(s))
    people = {p.lower() for p in babi.PEOPLE}
    places = set(babi.LOCATIONS)
    objects = set(babi.OBJECTS)
    assert people | places <= set(words)
    assert (objects <= set(words)) == (task == 2)
    assert {ex.answer for ex in exs} == places              # every location is an answer
    counts = Counter(ex.answer for ex in exs)
    assert max(counts.values()) < 0.3 * len(exs)            # no answer dominates (chance is 1/6)
    lengths = Counter(len(ex.story) for ex in exs)
    if task == 1:
        assert set(lengths) == {2, 4, 6, 8, 10}              # a question after every 2nd statement
        assert all(WHERE_PERSON.match(ex.question) for ex in exs)
    else:
        assert max(lengths) == 20 and min(lengths) >= 4
        assert all(WHERE_OBJECT.match(ex.question) for ex in exs)


def test_task2_needs_two_different_facts():
    """In task 2 the two facts are often far apart, and the holder often moved after the grab."""
    exs = babi.make_task(2, 1000, seed=1)
    gaps = [ex.supports[1] - ex.supports[0] for ex in exs]
    assert min(gaps) >= 1
    assert sum(g > 1 for g in gaps) > 0.3 * len(exs)
    moved_after = sum(bool(babi.tokenize(ex.story[ex.supports[1]])[1] in
                           ("moved", "went", "journeyed", "travelled")) for ex in exs)
    assert moved_after > 0.1 * len(exs)


def test_tokenize():
    assert babi.tokenize("Where is Mary?") == ["where", "is", "mary"]
    assert babi.tokenize("John put down the milk.") == ["john", "put", "down", "the", "milk"]


def test_reproducible_and_seeded():
    assert babi.make_task(1, 20, seed=3) == babi.make_task(1, 20, seed=3)
    assert babi.make_task(1, 20, seed=3) != babi.make_task(1, 20, seed=4)
    assert babi.make_task(2, 20, seed=3) != babi.make_task(1, 20, seed=3)
    with pytest.raises(ValueError):
        babi.make_task(3, 10)

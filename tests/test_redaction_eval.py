"""Redaction measured on the annotated quotes (tests/data/redaction_quotes.jsonl), as bench/redaction.py does."""

import pytest

from bench import redaction as evaluation

QUOTES = evaluation.quotes()
HELD_OUT = [q for q in QUOTES if q.split == "held_out"]


@pytest.fixture(scope="module")
def held_out():
    return evaluation.score(HELD_OUT)


def test_the_evaluation_set_has_a_hundred_held_out_quotes_with_every_kind_marked_and_plenty_of_negatives():
    assert len(HELD_OUT) >= 100 and {q.split for q in QUOTES} == {"dev", "held_out"}
    assert {kind for q in HELD_OUT for _, _, kind in q.gold} == set(evaluation.KINDS)
    assert sum(not q.gold for q in HELD_OUT) >= 20
    assert len({q.id for q in QUOTES}) == len(QUOTES)


def test_held_out_quotes_have_names_and_identifiers_found_with_recall_of_at_least_95_percent(held_out):
    recalled, marked, _, _ = held_out["rows"]["overall"]
    assert recalled / marked >= 0.95, held_out["misses"]
    got, names, _, _ = held_out["rows"]["name"]
    assert got / names >= 0.95, [m for m in held_out["misses"] if m[1] == "name"]


def test_held_out_quotes_have_what_is_replaced_right_with_precision_of_at_least_95_percent(held_out):
    _, _, right, replaced = held_out["rows"]["overall"]
    assert right / replaced >= 0.95, held_out["extras"]
    _, _, right, replaced = held_out["rows"]["name"]
    assert right / replaced >= 0.95, [e for e in held_out["extras"] if e[1] == "name"]


def test_the_measuring_script_prints_recall_and_precision_per_kind_and_overall():
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert evaluation.main(["--split", "dev", "--no-model"]) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("redaction on 68 dev quotes") and "token level" in lines[0]
    assert [line.split()[0] for line in lines[2:11]] == [*evaluation.KINDS, "overall"]

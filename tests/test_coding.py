import pytest

from lib.demo import feedback as demo_feedback
from lib.themes import codebook, matching

THEMES = codebook.default_themes()
MATCHER = matching.Matcher(THEMES)


@pytest.mark.parametrize(
    "comment, theme, reading",
    [
        # plain praise and complaint
        ("Our supervising social worker is brilliant, always rings back the same day.", "T01", "strength"),
        ("Allowances were paid late again this month.", "T06", "improvement"),
        # negation turns praise words into an area for improvement
        ("Not supportive at all when we asked for help.", "T01", "improvement"),
        ("The SSW never calls back.", "T03", "improvement"),
        ("Nobody calls back when I ring.", "T03", "improvement"),
        ("We have not had respite this year", "T07", "improvement"),
        # stems and plurals: "visits", "visited", "trainings", "schools"
        ("The supervision visits are really useful", "T01", "strength"),
        ("She loves her new schools and teachers", "T13", "strength"),
        ("Great trainings, learned loads", "T05", "strength"),
        # multi-word phrases
        ("We were left in the dark about the plan", "T03", "improvement"),
        ("The emergency duty team were calm and helpful", "T04", "strength"),
        ("Contact keeps getting cancelled at short notice", "T11", "improvement"),
        # British and American spellings fold together
        ("The counseling has helped him a lot", "T12", "strength"),
        ("Contact at the family center was lovely", "T11", "strength"),
        # typos we support
        ("The traning was excellent", "T05", "strength"),
        ("Alowance is paid late every month", "T06", "improvement"),
        # apostrophes, curly or straight, or missing
        ("We can’t afford the school uniform", "T06", "improvement"),
        ("We cant afford the school uniform", "T06", "improvement"),
        # a request is an area for improvement even in friendly words
        ("Would be good to have evening training sessions", "T05", "improvement"),
        ("I want to see my brother more", "T11", "improvement"),
        # stock compliments made of negations are praise
        ("I can't fault our supervising social worker", "T01", "strength"),
        ("No complaints at all, the SSW is great", "T01", "strength"),
        # a negation does not reach across a clause
        ("No respite this year, but the training was excellent", "T05", "strength"),
        # "would" and "could" alone are not requests
        ("I would recommend the training to anyone", "T05", "strength"),
        ("Nobody could have been more supportive than our SSW", "T01", "strength"),
        # call-backs however they are phrased, and typos
        ("Nobody called me back for a week", "T03", "improvement"),
        ("We haven't had a visit from the social worker since March", "T01", "improvement"),
        ("The supervison is helpfull", "T01", "strength"),
        # exact-word triggers do not catch look-alikes after stemming
        ("The team is so supportive", "T01", "strength"),
    ],
)
def test_a_comment_is_coded_with_its_theme_and_how_it_reads(comment, theme, reading):
    result = matching.code(comment, MATCHER)
    assert theme in result.mentions, result.mentions
    assert result.mentions[theme].reading == reading


@pytest.mark.parametrize(
    "comment, absent",
    [
        ("I want to be allowed to go into town", "T06"),  # "allowed" is not "allowance"
        ("The training was cancelled twice", "T11"),  # "cancelled" is not about family time
        ("Any kind of update would help", "T16"),
        ("Online training was good", "T14"),
        ("Benefits of the course were clear", "T06"),
        ("Home visits from the link worker are useful", "T15"),
        ("Nothing to add, thank you", None),
        ("", None),
        ("!!! ??? ...", None),
        ("Dziękuję bardzo za wszystko", None),
    ],
)
def test_comments_without_a_theme_get_none(comment, absent):
    found = matching.code(comment, MATCHER).mentions
    if absent:
        assert absent not in found
    else:
        assert found == {}


def test_several_themes_in_one_comment_each_get_their_own_sentences_sentiment():
    result = matching.code("The respite weekend was wonderful. But the allowance was paid late again.", MATCHER)
    assert result.mentions["T07"].reading == "strength" and result.mentions["T07"].sentences == (0,)
    assert result.mentions["T06"].reading == "improvement" and result.mentions["T06"].sentences == (1,)
    assert -0.5 < result.sentiment < 0.5


def test_a_retired_theme_is_not_suggested():
    retired = [matching.Theme(t.id, t.name, t.definition, t.applies_to, t.usually, t.triggers,
                            "retired" if t.id == "T07" else "active") for t in THEMES]
    assert "T07" not in matching.code("We need respite", matching.Matcher(retired)).mentions


def test_everything_the_matcher_finds_the_naive_baseline_finds_too():

    naive = matching.NaiveCoder(THEMES)
    corpus = [p.format(staff="Jo") for pool in (demo_feedback.CARER_GOOD, demo_feedback.CARER_BAD,
                                                 demo_feedback.KINSHIP_BAD, demo_feedback.PARENT_BAD) for p in pool]
    for comment in corpus:
        assert set(matching.code(comment, MATCHER).mentions) <= naive.code(comment), comment


def test_sentiment_labels_use_the_usual_cut_offs():
    assert [matching.label(x) for x in (0.5, 0.05, 0.0, -0.05, -0.9)] == [
        "positive", "positive", "neutral", "negative", "negative"]

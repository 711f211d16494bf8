import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from lib.demo import feedback as demo_feedback
from lib.themes import sentiment

REFERENCE = SentimentIntensityAnalyzer()
CASES = [
    "VADER is smart, handsome, and funny!", "The book was kind of good.", "At least it isn't a horrible book.",
    "Not bad at all", "It was NOT good at all!!!", "never so happy", "without doubt the best", "Today SUX!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁", "Not such a badass after all.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "I am very very happy", "no problems", "I don't love it", "This is the least useful thing", "Would you??",
    "Is it good???", "", "   ", "!!!", "😊", "Dziękuję bardzo", "نحن سعداء", "The SSW is GREAT but the allowance is late",
    "I'm sooo happy :) :D", "Absolutely useless, no help whatsoever.", "Could not be happier with the support.",
]
PHRASES = [p.format(staff="Jo") for pool in (demo_feedback.CARER_GOOD, demo_feedback.CARER_BAD, demo_feedback.KINSHIP_BAD,
                                             demo_feedback.PARENT_GOOD, demo_feedback.PARENT_BAD,
                                             demo_feedback.CHILD_GOOD, demo_feedback.CHILD_BAD) for p in pool]


@pytest.mark.parametrize("text", CASES + PHRASES)
def test_the_fast_scorer_gives_vaders_own_compound_score(text):
    assert sentiment.compound(text) == pytest.approx(REFERENCE.polarity_scores(text)["compound"], abs=1e-4)

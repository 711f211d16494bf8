"""The report builder's quote picker says what redaction replaced and what it is unsure of (AppTest)."""

from lib import store
from lib.report import drafts
from tests.conftest import no_exceptions
from tests.fixtures import open_form, user

PAGE = "app_pages/report/report_builder.py"


def offered(db, period_key):
    return drafts.quote_candidates(db, user(db, "qa"), period_key, "carers")


def reword(db, comment_id, body):
    with store.write(db):
        db.execute("update comments set body = :b where id = :i", {"b": body, "i": comment_id})


def picked(at, period_key, comment_id):
    at.selectbox(key=f"pick_{period_key}_carers").select(comment_id).run()
    assert no_exceptions(at) == []
    return [c.value for c in at.caption], [w.value for w in at.warning]


def test_the_picker_lists_what_was_replaced_and_the_words_redaction_is_unsure_of(demo_db, app):
    at = open_form(app, demo_db, "qa", PAGE)
    period_key = at.selectbox(key="report_quarter").value.slug
    comment_id = offered(demo_db, period_key)[0]["comment_id"]
    # "Heather" is a demo carer's name and an everyday word: at the start of a sentence it is left, and flagged.
    reword(demo_db, comment_id, "Our link worker Priya at Oakfield Academy was brilliant. Heather was lovely too. "
                                "Ring 07700 900123.")
    candidate = next(c for c in offered(demo_db, period_key) if c["comment_id"] == comment_id)
    assert candidate["suggested"] == ("Our link worker [name] at [school] was brilliant. Heather was lovely too. "
                                      "Ring [phone].")
    assert candidate["replaced"] == "Replaced: 1 name, 1 school and 1 phone number."
    assert candidate["unsure"] == ("Heather",)

    at.run()
    captions, warnings = picked(at, period_key, comment_id)
    assert "Replaced: 1 name, 1 school and 1 phone number." in captions
    assert any("Redaction is unsure of: “Heather”" in w for w in warnings)
    assert not any(c.startswith("Already redacted") for c in captions)
    assert next(t for t in at.text_area if t.label == "Check the redaction and edit if needed").value == \
        candidate["suggested"]
    assert not any("already redacted" in s.label for s in at.selectbox)


def test_the_picker_says_already_redacted_only_when_nothing_is_unsure(demo_db, app):
    at = open_form(app, demo_db, "qa", PAGE)
    period_key = at.selectbox(key="report_quarter").value.slug
    comment_id = offered(demo_db, period_key)[0]["comment_id"]
    reword(demo_db, comment_id, "Our link worker Priya always rings back. Email me at jo@example.com.")
    at.run()
    captions, warnings = picked(at, period_key, comment_id)
    assert "Replaced: 1 name and 1 e-mail address." in captions
    assert "Already redacted: nothing is left that redaction is unsure of." in captions
    assert not any("unsure of:" in w for w in warnings)


def test_qa_rewords_one_key_finding_and_leaves_another_out_on_the_report_page(demo_db, app):
    at = open_form(app, demo_db, "qa", PAGE)
    period_key = at.selectbox(key="report_quarter").value.slug
    assert at.expander[0].label == "Key findings"
    keys = [w.key.removeprefix(f"finding_{period_key}_") for w in at.text_input
            if w.key.startswith(f"finding_{period_key}_")]
    assert len(keys) >= 3
    first, second = keys[0], keys[1]
    at.text_input(key=f"finding_{period_key}_{first}").input("In our own words: {pct} (n={n}).")
    at.checkbox(key=f"finding_drop_{period_key}_{second}").check()
    at.button[[b.label for b in at.button].index("Save key findings")].click().run()
    assert no_exceptions(at) == []
    assert any(s.value == "Key findings saved." for s in at.success)
    choices = drafts.draft(demo_db, user(demo_db, "qa"), period_key)["findings"]
    assert choices == {first: {"text": "In our own words: {pct} (n={n})."}, second: {"drop": True}}
    shown = [t.value.removeprefix("• ") for t in at.expander[0].text]
    assert any(line.startswith("In our own words: ") and "{pct}" not in line for line in shown)


def test_a_key_finding_with_a_stray_brace_is_refused_on_the_page_and_what_was_typed_stays(demo_db, app):
    at = open_form(app, demo_db, "qa", PAGE)
    period_key = at.selectbox(key="report_quarter").value.slug
    key = next(w.key for w in at.text_input if w.key.startswith(f"finding_{period_key}_"))
    at.text_input(key=key).input("Broken {pct")
    at.button[[b.label for b in at.button].index("Save key findings")].click().run()
    assert any("is not a place for a figure" in e.value for e in at.error)
    assert at.text_input(key=key).value == "Broken {pct"
    assert drafts.draft(demo_db, user(demo_db, "qa"), period_key)["findings"] == {}

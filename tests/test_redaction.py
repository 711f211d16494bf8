import random
import time

import pytest

from lib import demo, redaction
from lib.demo import feedback as demo_feedback

REGISTER = ["Sam & Alex Birch", "Kestrel Jollyboat (demo bso)", "Mrs O'Neil-Smith", "Rose Smith", "Will Jones",
            "May Parsnip", "Heather Treacle", "Zoë Brontë", "Сергей Иванов", "Jo al-Hassan"]
NAMES = redaction.name_terms(REGISTER)


def scrubbed(text, names=NAMES):
    return redaction.redact(text, names=names).text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Email me at jo@example.com please", "Email me at [email] please"),
        ("jo.birch+fostering@council.gov.uk", "[email]"),
        ("My email is carer12@example.co.uk.", "My email is [email]."),
        ("<Sam.Birch@Example.COM>", "<[email]>"),
        ("mailto:o'neil@example.org", "mailto:[email]"),
    ],
)
def test_email_addresses_are_replaced_whole_even_when_they_contain_a_name(text, expected):
    assert scrubbed(text) == expected


@pytest.mark.parametrize("text", ["I'm @ home", "email me", "we met @10", "name@localhost", "3@5 kids"])
def test_things_that_only_look_a_little_like_email_addresses_survive(text):
    assert scrubbed(text) == text


@pytest.mark.parametrize(
    "number",
    ["07700 900123", "07700900123", "+44 7700 900123", "+44 (0)7700 900 123", "+447700900123",
     "0044 7700 900123", "07700-900-123", "07700.900.123", "0770 090 0123", "01905 123456", "(01905) 123456",
     "01905 123 456", "01905-123456", "020 7946 0018", "(020) 7946 0018", "020-7946-0018", "+44 20 7946 0018",
     "0121 496 0000", "0300 123 4567", "0800 123456", "016977 1234"],
)
def test_uk_phone_numbers_in_common_forms_are_replaced(number):
    result = redaction.redact(f"Ring me on {number} after 6.")
    assert result.text == "Ring me on [phone] after 6."
    assert result.found == (("phone", number),)


def test_a_phone_number_followed_by_a_count_keeps_the_count():
    assert scrubbed("Tel:07700 900123 3 times, no answer") == "Tel:[phone] 3 times, no answer"


@pytest.mark.parametrize(
    "text",
    ["3 weeks", "2025", "£120.50", "£1,250.00", "10/12/2025", "10:30", "09:30-10:00", "01.10.2025 10.30",
     "2024-2025", "year 2025/26", "0800 1111", "07700", "4 of 10 carers", "1,200 miles", "0.5 mg",
     "ref 12345678", "01/04/2025 09:30", "between 2 and 3 pm", "Q3 2025/26 had 245 households"],
)
def test_years_money_dates_times_and_counts_are_not_phone_numbers(text):
    assert redaction.redact(text).text == text


@pytest.mark.parametrize(
    "postcode",
    ["WR1 2AB", "wr12ab", "DY10 3PL", "EC1A 1BB", "B60 1AA", "W1A 0AX", "hr1 9zz", "SW1A 2AA", "M1 1AE",
     "WR1  2AB", "GIR 0AA"],
)
def test_full_uk_postcodes_in_any_case_are_replaced(postcode):
    result = redaction.redact(f"We live near {postcode}, so the drive is long.")
    assert result.text == "We live near [postcode], so the drive is long."
    assert result.found == (("postcode", postcode),)


@pytest.mark.parametrize(
    "text",
    ["ASAP", "please reply ASAP.", "B52", "the A1 road", "COVID-19", "Y7 pupils", "Room B2 3rd floor", "WR1",
     "MP3 player", "2AB", "M25 6pm", "M6 5am", "gr8 2day"],
)
def test_words_and_codes_that_are_not_full_postcodes_survive(text):
    assert redaction.redact(text).text == text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Thank you Sam", "Thank you [name]"),
        ("thank you SAM and alex", "thank you [name] and [name]"),
        ("Sam's carer rang", "[name]'s carer rang"),
        ("Sam’s carer rang", "[name]’s carer rang"),
        ("the Birches' garden and Birch's garden", "the Birches' garden and [name]'s garden"),
        ("Please tell Mrs O'Neil-Smith thank you", "Please tell Mrs [name] thank you"),
        ("Please tell Mrs O’Neil-Smith’s husband", "Please tell Mrs [name]’s husband"),
        ("Mrs Smith and Mrs O'Neil and Mrs ONeil", "Mrs [name] and Mrs [name] and Mrs [name]"),
        ("Kestrel-Birch came", "[name]-[name] came"),
        ("Zoë and Zoe\u0308 and Bronte", "[name] and [name] and Bronte"),
        ("Спасибо, Сергей!", "Спасибо, [name]!"),
        ("Jo al-Hassan and Mr Hassan", "[name] [name] and Mr [name]"),
        ("Al said the van was late", "Al said the van was late"),
        ("Samantha and Jolly and Alexander", "Samantha and Jolly and Alexander"),
        ("sam99 and Sam_Birch", "sam99 and [name]_[name]"),
    ],
)
def test_names_are_matched_as_whole_words_in_any_case_with_possessives(text, expected):
    assert scrubbed(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # at the start of a sentence, or in lower case, a common word is a word
        ("Will you call me back?", "Will you call me back?"),
        ("I will call you back.", "I will call you back."),
        ("Heather helped us. Rose was lovely.", "Heather helped us. Rose was lovely."),
        ("Prices rose again and the heather is out.", "Prices rose again and the heather is out."),
        ("- Rose came round\n- Heather too", "- Rose came round\n- Heather too"),
        # capitalised mid-sentence it is a name
        ("I spoke to Will yesterday.", "I spoke to [name] yesterday."),
        ("Our SSW Heather helped us.", "Our SSW [name] helped us."),
        ("Thanks, Rose! You too, Heather.", "Thanks, [name]! You too, [name]."),
        # a title or a neighbouring known name confirms it, anywhere in the text
        ("Mrs Rose was kind.", "Mrs [name] was kind."),
        ("Mrs. Rose was kind, and so was mrs rose.", "Mrs. [name] was kind, and so was mrs [name]."),
        ("Rose Smith came round. Rose was lovely.", "[name] [name] came round. [name] was lovely."),
        ("Rose was lovely, said Rose Smith.", "[name] was lovely, said [name] [name]."),
        ("Jones Will.", "[name] [name]."),
        ("Will Jones rang. The rose bush is fine.", "[name] [name] rang. The rose bush is fine."),
        # a question or wish word before a name is not confirmed by it
        ("Will Sam come to the review?", "Will [name] come to the review?"),
        ("May Sam stay over?", "May [name] stay over?"),
        ("May Jones rang. May Sam stay over?", "[name] [name] rang. [name] [name] stay over?"),
        ("Hope Sam is well.", "Hope [name] is well."),
        ("Will May come?", "Will [name] come?"),
        # months and seasons in dates stay
        ("We had respite in May.", "We had respite in May."),
        ("Since May, and on 3 May 2025, and mid-May.", "Since May, and on 3 May 2025, and mid-May."),
        ("Review due May 2025, before May half term.", "Review due May 2025, before May half term."),
        ("From March to May, and April-June.", "From March to May, and April-June."),
        ("We visited May on Friday, then Sam and May.", "We visited [name] on Friday, then [name] and [name]."),
    ],
)
def test_names_that_are_also_common_words_need_a_capital_and_a_mid_sentence_position(text, expected):
    assert scrubbed(text) == expected


def test_two_common_word_names_side_by_side_confirm_each_other():
    names = redaction.name_terms(["Grace Hall"])
    assert scrubbed("Grace Hall was great. Grace!", names) == "[name] [name] was great. [name]!"
    assert scrubbed("Grace was great. Hall was warm.", names) == "Grace was great. Hall was warm."


def test_found_lists_each_replacement_in_text_order_with_its_kind_and_original():
    result = redaction.redact("Jo's number is 07700 900123, email jo@example.com, at WR1 2AB. Thanks Jo", names=["Jo"])
    assert result == redaction.Redaction(
        text="[name]'s number is [phone], email [email], at [postcode]. Thanks [name]",
        found=(("name", "Jo"), ("phone", "07700 900123"), ("email", "jo@example.com"),
               ("postcode", "WR1 2AB"), ("name", "Jo")),
    )


def test_names_can_be_given_as_whole_display_names_or_a_plain_list():
    assert scrubbed("Thanks Sam and Alex", ["Sam & Alex Birch"]) == "Thanks [name] and [name]"
    assert scrubbed("Thanks Sam", "Sam") == "Thanks [name]"
    assert scrubbed("Thanks Sam", iter(["Sam", None])) == "Thanks [name]"


def test_text_with_nothing_to_redact_comes_back_unchanged_with_nothing_found():
    assert redaction.redact("Really supportive team, cant fault them.", names=NAMES) == redaction.Redaction(
        text="Really supportive team, cant fault them.", found=())


@pytest.mark.parametrize("template", demo_feedback.IDENTIFYING)
@pytest.mark.parametrize("n", [0, 7, 999])
def test_every_identifying_detail_the_demo_data_plants_is_caught(template, n):
    names = redaction.name_terms(demo.SURNAMES)
    for postcode in demo_feedback.POSTCODES:
        for surname in demo.SURNAMES:
            text = redaction.redact(template.format(n=n, postcode=postcode, surname=surname), names=names).text
            assert "@" not in text and postcode not in text and surname not in text
            assert not any(ch.isdigit() for ch in text), text


SAMPLES = [
    "Rose Smith rang 07700 900123 about jo@example.com near WR1 2AB. Rose was lovely.",
    "Will Sam come? In May we met May Parsnip. Mrs. Heather said hi; heather is pretty.",
    "[name] and [phone] were already redacted, and so was [email] at [postcode].",
    "Thanks Jo's family: Sam’s, O’Neil-Smith’s, Kestrel-Birch's and Zoë's.",
    "Please tell Mrs Treacle thank you from us. Ring (01905) 123456 3 times.",
    "email jo@example.in May, ring 0121 496 0000 May 2025, postcode B60 1AA May.",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_redacting_twice_gives_the_same_text(text):
    once = scrubbed(text)
    assert scrubbed(once) == once


FRAGMENTS = [
    "Rose", "rose", "Smith", "Will", "will", "May", "may", "Hope", "Grace", "Sam's", "Sam’s", "Mrs", "Mrs.", "Dr",
    "J.", "in", "to", "and", "March", "mid", "-May", "since", "half", "term", "3", "3rd", "123", "2025", "B2",
    "07700 900123", "+44 (0)7700 900 123", "(01905)", "jo@example.com", "jo@example.in", "WR1 2AB", "wr12ab",
    "-", "&", ".", "!", "?", ",", "\n", "(", ")", "“", "”", "'", "[", "]", "[name]", "[phone]", "O'Neil-Smith",
    "Kestrel-Birch", "Heather", "Jones", "Parsnip", "10:30", "£120.50", "😀", "شكرا", "谢谢", "\x00", "Zoë",
]

SEPARATORS = [" ", " ", "", ". ", ", ", "? ", "\n", "-", "'", "’"]


def test_redaction_is_idempotent_on_random_mixtures_of_tricky_fragments():
    rng = random.Random(2025)
    for _ in range(5000):
        size = rng.randint(0, 14)
        text = "".join(rng.choice(FRAGMENTS) + rng.choice(SEPARATORS) for _ in range(size))
        once = scrubbed(text)
        assert scrubbed(once) == once, text


@pytest.mark.parametrize(
    "text",
    ["", " ", "😀🎉👍", "\x00\x07\x1b\x7f\x85", "lone \ud800 surrogate", "\u202eRLO Sam\u202c", "שלום Sam",
     "مرحبا Sam، شكرا", "谢谢Sam!", "Sam\u200dSmith", "e\u0301\u0301\u0301", "[", "[name", "@@@", "+++44",
     "((0))", "a.a." * 10_000, "a@" * 10_000, "0" * 10_000, "Sam's" * 10_000 + "1"],
)
def test_redaction_never_raises_on_odd_text(text):
    assert isinstance(redaction.redact(text, names=NAMES).text, str)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("شكرا Sam، Sam's home", "شكرا [name]، [name]'s home"),
        ("谢谢Sam!", "谢谢[name]!"),
        ("שלום Sam", "שלום [name]"),
        ("😀Sam😀", "😀[name]😀"),
        ("Спасибо Сергей Иванов", "Спасибо [name] [name]"),
    ],
)
def test_names_next_to_other_scripts_and_emoji_are_still_found(text, expected):
    assert scrubbed(text) == expected


def test_a_megabyte_of_text_is_redacted():
    text = ("Rose Smith rang 07700 900123 about jo@example.com near WR1 2AB. " * 16_000)[:1_000_000]
    result = redaction.redact(text, names=NAMES)
    assert result.text.startswith("[name] [name] rang [phone] about [email] near [postcode].")
    assert len(result.found) > 60_000


def test_a_thousand_quotes_against_two_thousand_names_finish_quickly():
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"

    def word():
        return rng.choice(letters).upper() + "".join(rng.choices(letters, k=rng.randint(3, 8)))

    register = [f"{word()} & {word()} {word()}" for _ in range(2000)]
    names = redaction.name_terms(register)
    pool = sorted(names)
    quotes = [f"Thanks to {rng.choice(pool)} and {rng.choice(pool)}'s family, respite was brilliant. "
              f"Ring 07700 900{i % 1000:03d} or carer{i}@example.com, WR1 2AB. Will you tell Rose?"
              for i in range(1000)]
    started = time.perf_counter()
    results = [redaction.redact(quote, names=names) for quote in quotes]
    assert time.perf_counter() - started < 5
    assert all(r.text.startswith("Thanks to [name] and [name]'s family") for r in results)
    assert all(r.text.endswith("Ring [phone] or [email], [postcode]. Will you tell Rose?") for r in results)


@pytest.mark.parametrize(
    "display_names, terms",
    [
        (["Sam & Alex Birch"], {"Sam", "Alex", "Birch"}),
        (["Kestrel Jollyboat (demo bso)"], {"Kestrel", "Jollyboat"}),
        (["Mrs O'Neil-Smith"], {"O'Neil-Smith"}),
        (["Jo O’Brien"], {"Jo", "O’Brien"}),
        (["Mr & Mrs Smith"], {"Smith"}),
        (["Dr. J. Smith and Mr P Jones"], {"Smith", "Jones"}),
        (["Miss Ms Mx Dr Rev Sir Ann Lee"], {"Ann", "Lee"}),
        (["Sam (known as Sammy) Birch"], {"Sam", "Birch"}),
        (["Sam Birch (demo [x] bso"], {"Sam", "Birch"}),
        (["Maria van der Berg", "Van Morrison"], {"Maria", "Berg", "Van", "Morrison"}),
        (["Jo al-Hassan"], {"Jo", "al-Hassan"}),
        (["Upton upon Severn", "Stourport-on-Severn"], {"Upton", "Severn", "Stourport-on-Severn"}),
        (["Zoë Brontë", "Сергей Иванов"], {"Zoë", "Brontë", "Сергей", "Иванов"}),
        (["sam birch"], {"sam", "birch"}),
        (["", "   ", "(unknown)", "&", "A B C", None], set()),
    ],
)
def test_name_terms_splits_display_names_into_name_words(display_names, terms):
    assert redaction.name_terms(display_names) == terms


def test_the_common_word_list_holds_the_ambiguous_names_in_lower_case():
    assert {"will", "may", "rose", "grace", "hope", "mark", "bill", "dale", "fern", "heather", "iris", "ash",
            "elm"} <= redaction.COMMON_WORD_NAMES
    assert all(name == name.casefold() for name in redaction.COMMON_WORD_NAMES)

from lib.themes import emerging


def numbered(texts):
    return list(enumerate(texts, start=1))


def test_no_comments_says_there_is_nothing_to_group():
    found, note = emerging.candidates([])
    assert found == [] and note.startswith("Only 0 comment(s) match no theme")


def test_a_handful_of_comments_is_read_not_clustered():
    found, note = emerging.candidates(numbered(["Wifi is bad", "No wifi", "Wifi please"]))
    assert found == [] and "fewer than 8" in note


def test_comments_sharing_no_words_produce_no_invented_theme():
    found, note = emerging.candidates(numbered([f"unique{i} words{i} here{i}" for i in range(10)]))
    assert found == [] and "nothing stands out" in note


def test_comments_that_share_words_are_grouped_with_examples_and_other_words():
    texts = ["The wifi in the visit room never works", "No wifi in the visit room", "Wifi please, the kids are bored",
             "Parking at the office is a nightmare", "Cannot find parking near the office", "Parking is terrible",
             "Random comment one", "Another unrelated remark", "Something else entirely"]
    found, note = emerging.candidates(numbered(texts))
    assert note is None
    assert [(c.keyword, c.comments) for c in found] == [("wifi", (1, 2, 3)), ("parking", (4, 5, 6))]
    assert "office" in found[1].top_words


def test_each_comment_lands_in_at_most_one_candidate():
    texts = ["wifi parking"] * 4 + ["wifi"] * 3 + ["parking"] * 3
    found, _ = emerging.candidates(numbered(texts))
    members = [cid for c in found for cid in c.comments]
    assert len(members) == len(set(members))

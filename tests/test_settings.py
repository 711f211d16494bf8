import pytest

from lib.access import PermissionDenied
from lib.store import settings
from tests.conftest import add_user


def test_settings_start_at_their_defaults(db):
    values = settings.current(db)
    assert values["monthly_minimum_carers"] == 2 and values["monthly_minimum_parents"] == 2
    assert values["idle_timeout_minutes"] == 30 and values["lockout_attempts"] == 5
    assert settings.get(db, "service_name") == "Fostering Service"


def test_qa_changes_a_setting_and_the_change_is_audited_with_old_and_new_values(db, qa):
    diff = settings.update(db, qa, {"monthly_minimum_carers": "3", "service_name": "  Shire   Fostering "})
    assert diff == {"monthly_minimum_carers": [2, 3], "service_name": ["Fostering Service", "Shire Fostering"]}
    assert settings.get(db, "monthly_minimum_carers") == 3
    detail = db.execute("select detail from history where entity = 'settings'").fetchone()[0]
    assert '"monthly_minimum_carers": [2, 3]' in detail


def test_saving_unchanged_values_writes_no_audit_row(db, qa):
    assert settings.update(db, qa, settings.current(db)) == {}
    assert db.execute("select count(*) from history").fetchone()[0] == 0


@pytest.mark.parametrize(
    "values, message",
    [
        ({"monthly_minimum_carers": "two"}, "must be a whole number"),
        ({"monthly_minimum_carers": -1}, "at least 0"),
        ({"idle_timeout_minutes": 10_000}, "at most 480"),
        ({"service_name": "   "}, "cannot be empty"),
        ({"service_name": "x" * 500}, "at most 120"),
        ({"service_name": "\x00\x07 \u200b"[:2]}, "cannot be empty"),
        ({"no_such_thing": 1}, "Unknown setting"),
    ],
)
def test_a_bad_value_is_refused_and_nothing_is_saved(db, qa, values, message):
    with pytest.raises(ValueError, match=message):
        settings.update(db, qa, {"monthly_minimum_parents": 4, **values})
    assert settings.get(db, "monthly_minimum_parents") == 2


@pytest.mark.parametrize("role", ["bso", "social_worker", "manager"])
def test_only_qa_may_change_settings(db, role):
    with pytest.raises(PermissionDenied):
        settings.update(db, add_user(db, role), {"monthly_minimum_carers": 9})
    assert settings.get(db, "monthly_minimum_carers") == 2


@pytest.mark.parametrize("values, message", [({"suppression_preset": "strict"}, "must be one of: dfe, ons, custom"),
                                             ({"rounding": 3}, "must be one of: 0, 5, 10")])
def test_a_setting_with_fixed_choices_refuses_anything_else(db, qa, values, message):
    with pytest.raises(ValueError, match=message):
        settings.update(db, qa, values)


def test_the_extra_redaction_names_may_be_empty(db, qa):
    settings.update(db, qa, {"redaction_names": "Oakfield Primary, Jo Bloggs"})
    assert settings.update(db, qa, {"redaction_names": "  "}) == {"redaction_names": ["Oakfield Primary, Jo Bloggs", ""]}

"""Field validators (uwu_tui.policy.validate): the same rules for forms, import and CLI.

Property tests: every real date round-trips through every accepted UK/ISO form; any text
at all (control characters, huge strings) yields a clean value or a ValidationError,
never another exception.
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from uwu_tui.errors import ValidationError
from uwu_tui.policy import validate
from uwu_tui.policy.validate import (
    LIMITS,
    email,
    member_fields,
    membership_no,
    parse_date,
    parse_datetime,
    phone,
    text,
)

TODAY = date(2026, 11, 25)
MONTH_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTH_FULL = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]

REAL_DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31))

FORMS = {
    "dd/mm/yyyy": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year:04d}",
    "d/m/yyyy": lambda d: f"{d.day}/{d.month}/{d.year:04d}",
    "dd-mm-yyyy": lambda d: f"{d.day:02d}-{d.month:02d}-{d.year:04d}",
    "dd.mm.yyyy": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year:04d}",
    "yyyy-mm-dd": lambda d: d.isoformat(),
    "d Mon yyyy": lambda d: f"{d.day} {MONTH_ABBR[d.month - 1]} {d.year:04d}",
    "dd Month yyyy": lambda d: f"{d.day:02d} {MONTH_FULL[d.month - 1]} {d.year:04d}",
    "d mon yyyy (lower)": lambda d: f"{d.day} {MONTH_ABBR[d.month - 1].lower()} {d.year:04d}",
}

# Text that tries every corner: any code point (NUL, ESC, surrogates excluded by Python),
# date-like shapes, and long runs.
ANY_TEXT = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec=None), max_size=40),
    st.text(alphabet="0123456789/.- :TZ+\x00\x1b\t\n\r", max_size=30),
    st.from_regex(r"\A\d{1,5}[/.\- ]\d{1,3}[/.\- ]\d{1,6}( \d{1,3}:\d{1,3})?\Z"),
    st.from_regex(r"\A\d{1,3} [A-Za-z]{1,10}\.?,? \d{1,5}\Z"),
    st.integers(min_value=0, max_value=5000).map(lambda n: "9" * n),
    st.just("\x00" * 300),
    st.just("25/11/2026\x1b[2J"),
    st.just("25/11/2026\x00"),
)


# ---- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize("form", list(FORMS))
@given(day=REAL_DATES)
def test_parse_date_accepts_every_real_date_in_every_form(form: str, day: date) -> None:
    assert parse_date(FORMS[form](day)) == day.isoformat()


@given(day=REAL_DATES)
def test_parse_date_round_trips_its_own_output(day: date) -> None:
    once = parse_date(FORMS["dd/mm/yyyy"](day))
    assert once is not None
    assert parse_date(once) == once
    assert date.fromisoformat(once) == day


@pytest.mark.parametrize("raw", ["25/11/2026", " 25/11/2026 ", "25-11-2026", "25.11.2026",
                                 "2026-11-25", "25 Nov 2026", "25 November 2026", "25 nov. 2026",
                                 "25 Nov, 2026", "2026-11-25\n"])
def test_parse_date_uk_examples(raw: str) -> None:
    assert parse_date(raw) == "2026-11-25"


@pytest.mark.parametrize("raw", [
    "31/02/2026", "30/02/2024", "29/02/2025", "32/01/2026", "00/01/2026", "01/13/2026",
    "01/00/2026", "2026-02-30", "2026-13-01", "31 Apr 2026", "31.06.2026", "29-02-1900",
])
def test_parse_date_rejects_impossible_dates(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_date(raw, "date_of_birth")
    assert caught.value.field == "date_of_birth"


def test_leap_days() -> None:
    assert parse_date("29/02/2024") == "2024-02-29"
    assert parse_date("29/02/2000") == "2000-02-29"


@pytest.mark.parametrize("raw", ["25/11/26", "1/2/03", "25-11-26", "25.11.26", "26-11-25"])
def test_parse_date_refuses_two_digit_years(raw: str) -> None:
    with pytest.raises(ValidationError):
        parse_date(raw)


@given(day=REAL_DATES.filter(lambda d: d.year >= 1900))
def test_two_digit_year_form_of_any_date_is_refused(day: date) -> None:
    with pytest.raises(ValidationError):
        parse_date(f"{day.day:02d}/{day.month:02d}/{day.year % 100:02d}")


@pytest.mark.parametrize("raw", ["25 Octopus 2026", "1 Marmalade 2026", "3 Junk 2026",
                                 "4 Decimal 2026", "5 Foo 2026", "6 Janu 20260"])
def test_parse_date_refuses_words_that_are_not_months(raw: str) -> None:
    with pytest.raises(ValidationError):
        parse_date(raw)


@pytest.mark.parametrize("raw", ["25/11/1899", "1899-12-31", "01/01/0001"])
def test_parse_date_refuses_before_1900(raw: str) -> None:
    with pytest.raises(ValidationError):
        parse_date(raw)


def test_future_birth_date_refused_today_accepted() -> None:
    fields = {"membership_no": "A123", "given_name": "Ann", "family_name": "Lee"}
    tomorrow = (TODAY + timedelta(days=1)).strftime("%d/%m/%Y")
    with pytest.raises(ValidationError) as caught:
        member_fields({**fields, "date_of_birth": tomorrow}, TODAY)
    assert caught.value.field == "date_of_birth"
    ok = member_fields({**fields, "date_of_birth": TODAY.strftime("%d/%m/%Y")}, TODAY)
    assert ok["date_of_birth"] == TODAY.isoformat()


@given(day=st.dates(min_value=TODAY + timedelta(days=1), max_value=date(9999, 12, 31)))
def test_any_future_date_refused_where_not_future(day: date) -> None:
    with pytest.raises(ValidationError):
        parse_date(day.isoformat(), "date_of_birth", not_future=TODAY)


def test_empty_date_optional_or_required() -> None:
    assert parse_date("") is None
    assert parse_date(None) is None
    assert parse_date("   ") is None
    with pytest.raises(ValidationError) as caught:
        parse_date("", "due", required=True)
    assert caught.value.field == "due"


@settings(max_examples=examples(400), suppress_health_check=[HealthCheck.too_slow])
@given(raw=ANY_TEXT)
@example(raw="x" * 1_000_000)
@example(raw="2026-11-25" + " " * 500)
@example(raw="٢٠٢٦-١١-٢٥")
@example(raw="\x00")
@example(raw="\x1b")
def test_parse_date_never_raises_anything_but_validation_error(raw: str) -> None:
    try:
        result = parse_date(raw)
    except ValidationError as error:
        assert error.field == "date"
        assert "\x00" not in error.message and "\x1b" not in error.message
        assert len(error.message) < 200
    else:
        assert result is None or date.fromisoformat(result)


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.too_slow])
@given(raw=ANY_TEXT)
@example(raw="T12:30")
@example(raw="25/11/2026 99:99")
@example(raw="x 12:30")
def test_parse_datetime_never_raises_anything_but_validation_error(raw: str) -> None:
    try:
        result = parse_datetime(raw)
    except ValidationError:
        return
    assert isinstance(result, str) and result


@pytest.mark.parametrize(("raw", "expected"), [
    ("25/11/2026 14:30", "2026-11-25T14:30"),
    ("2026-11-25T14:30", "2026-11-25T14:30"),
    ("2026-11-25 09:05", "2026-11-25T09:05"),
    ("25/11/2026", "2026-11-25T00:00"),
    ("25 Nov 2026 7:45", "2026-11-25T07:45"),
])
def test_parse_datetime_forms(raw: str, expected: str) -> None:
    assert parse_datetime(raw) == expected


@pytest.mark.parametrize("raw", ["25/11/2026 24:00", "25/11/2026 12:60", "31/02/2026 10:00", "",
                                 "soon", "0001-01-01T00:00", "1899-12-31 23:59",
                                 "0001-01-01", "25/11/1899 10:00"])
def test_parse_datetime_rejects(raw: str) -> None:
    with pytest.raises(ValidationError):
        parse_datetime(raw)


# ---- text ---------------------------------------------------------------------------------

CONTROL = st.sampled_from([chr(c) for c in range(0x20) if chr(c) not in "\n\t\r"] + ["\x7f", "\x85", "\x9b"])


@given(prefix=st.text(alphabet="abc xyz", min_size=1, max_size=10).filter(str.strip),
       ctrl=CONTROL, suffix=st.text(alphabet="abc", min_size=1, max_size=10))
def test_text_rejects_control_characters_inside(prefix: str, ctrl: str, suffix: str) -> None:
    for multiline in (False, True):
        with pytest.raises(ValidationError) as caught:
            text(prefix + ctrl + suffix, "employer", multiline=multiline)
        assert caught.value.field == "employer"
        assert ctrl not in caught.value.message


def test_text_newlines_and_tabs_only_where_multiline() -> None:
    assert text("line one\nline two\tx", "address", multiline=True) == "line one\nline two\tx"
    assert text("a\r\nb\rc", "address", multiline=True) == "a\nb\nc"
    for raw in ("line one\nline two", "a\tb"):
        with pytest.raises(ValidationError):
            text(raw, "employer")


@given(st.text())
def test_text_output_is_nfc_trimmed_and_clean(raw: str) -> None:
    try:
        cleaned = text(raw, "adjustments", multiline=True)
    except ValidationError as error:
        assert error.field == "adjustments"
        return
    assert unicodedata.is_normalized("NFC", cleaned)
    assert cleaned == cleaned.strip()
    assert not any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in cleaned)
    assert len(cleaned) <= LIMITS["adjustments"]


def test_text_nfc_normalises() -> None:
    decomposed = "Zoe\u0308 Bro\u0302the"
    cleaned = text(decomposed, "given_name")
    assert cleaned == "Zoë Brôthe"
    assert unicodedata.is_normalized("NFC", cleaned)
    assert len(cleaned) == len("Zoë Brôthe")


@pytest.mark.parametrize("field", ["given_name", "family_name", "email", "employer", "branch",
                                   "title", "membership_no", "reason"])
def test_text_limits(field: str) -> None:
    limit = LIMITS[field]
    assert text("x" * limit, field) == "x" * limit
    with pytest.raises(ValidationError) as caught:
        text("x" * (limit + 1), field)
    assert caught.value.field == field
    assert str(limit) in caught.value.message


def test_text_unknown_field_gets_a_default_limit_and_huge_strings_are_refused() -> None:
    with pytest.raises(ValidationError):
        text("y" * 1_000_000, "whatever")
    with pytest.raises(ValidationError):
        text("y" * 200_000, "body", multiline=True)


def test_text_required() -> None:
    with pytest.raises(ValidationError) as caught:
        text("   ", "title", required=True)
    assert caught.value.field == "title"
    assert "required" in caught.value.message
    assert text(None, "title") == ""


# ---- email, phone, membership number ---------------------------------------------------------


@pytest.mark.parametrize("raw", ["name@example.org", "Ann.Lee+union@mail.example.co.uk",
                                 "o'brien@example.ie", "zoë@exämple.org", " x@y.io ", ""])
def test_email_lenient(raw: str) -> None:
    assert email(raw) == raw.strip()


@pytest.mark.parametrize("raw", ["nope", "a@b", "@example.org", "name@", "a b@example.org",
                                 "a@@example.org", "name@example", "name@exa mple.org",
                                 "name@example.org\x00", "<script>@x"])
def test_email_rejects_junk(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        email(raw)
    assert caught.value.field == "email"


@pytest.mark.parametrize("raw", ["07700 900123", "+44 (0)20 7946 0958", "020-7946-0958",
                                 "01632.960.001", "1234567", "+353 1 234 5678", ""])
def test_phone_lenient(raw: str) -> None:
    assert phone(raw) == raw.strip()


@pytest.mark.parametrize("raw", ["123", "123456", "call me", "07700 900123 ext 5",
                                 "1234567890123456", "+44 7700 900123 #", "07700_900123",
                                 "０７７００９００１２３"])
def test_phone_rejects_junk(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        phone(raw)
    assert caught.value.field == "phone"


@pytest.mark.parametrize(("raw", "expected"), [
    ("ab12345", "AB12345"), (" ab 123 45 ", "AB12345"), ("uwu-2026/07", "UWU-2026/07"),
    ("123", "123"), ("M 0001", "M0001"),
])
def test_membership_no_normalises_case_and_spaces(raw: str, expected: str) -> None:
    assert membership_no(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "A1", "-123", "AB_123", "AB#123", "X" * 21,
                                 "ab.123", "ÅB123"])
def test_membership_no_rejects(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        membership_no(raw)
    assert caught.value.field == "membership_no"


@given(st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9\-/]{2,15}\Z"))
def test_membership_no_is_idempotent(raw: str) -> None:
    once = membership_no(raw)
    assert once == raw.upper()
    assert membership_no(once) == once


@settings(max_examples=examples(200))
@given(raw=ANY_TEXT)
def test_other_validators_never_raise_anything_else(raw: str) -> None:
    for check in (email, phone, membership_no,
                  lambda v: text(v, "given_name"),
                  lambda v: validate.reason(v),
                  lambda v: validate.yes_no(v, "interpreter"),
                  lambda v: validate.choice(v, "case_type", validate.CASE_TYPES)):
        try:
            check(raw)
        except ValidationError:
            pass


# ---- member fields ------------------------------------------------------------------------

VALID = {"membership_no": "m 1001", "given_name": " Ann ", "family_name": "Lee"}


@pytest.mark.parametrize("missing", ["membership_no", "given_name", "family_name"])
@pytest.mark.parametrize("how", ["absent", "blank"])
def test_member_fields_requires_number_and_names(missing: str, how: str) -> None:
    values = dict(VALID)
    if how == "absent":
        del values[missing]
    else:
        values[missing] = "   "
    with pytest.raises(ValidationError) as caught:
        member_fields(values, TODAY)
    assert caught.value.field == missing
    assert missing.replace("_", " ") in caught.value.message


@pytest.mark.parametrize(("field", "bad"), [
    ("email", "not-an-email"), ("phone", "12"), ("date_of_birth", "31/02/1980"),
    ("interpreter", "perhaps"), ("status", "zombie"), ("last_verified", "01/01/2099"),
    ("employer", "Acme\x00Ltd"), ("branch", "x" * 81),
])
def test_member_fields_reports_the_field_name(field: str, bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        member_fields({**VALID, field: bad}, TODAY)
    assert caught.value.field == field


def test_member_fields_cleans_and_fills_defaults() -> None:
    cleaned = member_fields({**VALID, "date_of_birth": "3/4/1980", "interpreter": "yes",
                             "email": " Ann@Example.org "}, TODAY)
    assert set(cleaned) == set(validate.MEMBER_FIELDS)
    assert cleaned["membership_no"] == "M1001"
    assert cleaned["given_name"] == "Ann"
    assert cleaned["date_of_birth"] == "1980-04-03"
    assert cleaned["interpreter"] is True
    assert cleaned["status"] == "active"
    assert cleaned["email"] == "Ann@Example.org"
    assert cleaned["last_verified"] is None


def test_member_fields_partial_checks_only_given_fields() -> None:
    assert member_fields({"phone": "07700 900123"}, TODAY, partial=True) == {"phone": "07700 900123"}
    with pytest.raises(ValidationError) as caught:
        member_fields({"given_name": ""}, TODAY, partial=True)
    assert caught.value.field == "given_name"


def test_member_fields_refuses_unknown_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        member_fields({**VALID, "password": "x"}, TODAY)
    assert "password" in caught.value.message


def test_reason_minimum() -> None:
    with pytest.raises(ValidationError):
        validate.reason("too short")
    assert validate.reason("  long enough now  ") == "long enough now"
    with pytest.raises(ValidationError) as caught:
        validate.reason("abc", field="amend_reason", minimum=5)
    assert caught.value.field == "amend_reason"

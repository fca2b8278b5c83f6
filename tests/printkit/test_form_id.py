"""The form number on paper forms: read back whatever way staff type it, typos never name another period."""

import pytest

from app.printkit.formid import FormIdError, check_digits, form_id, parse_form_id


def test_form_id_reads_back_as_typed_scanned_or_in_full_width():
    assert form_id(12) == f"P-12-{check_digits(12)}"
    for typed in (form_id(12), form_id(12).lower(), form_id(12).replace("-", ""), f" {form_id(12)} ",
                  "Ｐ－１２－" + "".join(chr(ord(d) + 0xFEE0) for d in check_digits(12)),
                  form_id(12).replace("-", "ー")):
        assert parse_form_id(typed) == 12, typed


@pytest.mark.parametrize("period_id", [1, 7, 12, 305, 98765])
def test_one_wrong_digit_or_two_swapped_are_caught(period_id):
    digits = form_id(period_id).replace("P-", "").replace("-", "")
    for index in range(len(digits)):
        for other in "0123456789":
            if other == digits[index]:
                continue
            typo = digits[:index] + other + digits[index + 1:]
            with pytest.raises(FormIdError):
                parse_form_id("P" + typo)
    for index in range(len(digits) - 1):
        if digits[index] != digits[index + 1]:
            swapped = digits[:index] + digits[index + 1] + digits[index] + digits[index + 2:]
            with pytest.raises(FormIdError):
                parse_form_id("P" + swapped)


@pytest.mark.parametrize("text, code", [("", "malformed"), ("12-34", "malformed"), ("P-ab-12", "malformed"),
                                        ("P-0-98", "checksum"), ("R-12-34", "malformed")])
def test_what_is_not_a_form_number_says_so(app, text, code):
    with pytest.raises(FormIdError) as caught:
        parse_form_id(text)
    assert caught.value.code == code
    with app.test_request_context():
        assert "P-12-34" in caught.value.message or text in caught.value.message

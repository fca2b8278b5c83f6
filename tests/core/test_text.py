"""Bidirectional controls go from stored text; every other character stays as it was typed."""

import pytest

from app.core.text import normalize, normalize_for_match, strip_bidi

CONTROLS = [chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)]


@pytest.mark.parametrize("control", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
def test_each_bidi_control_is_stripped(control):
    assert strip_bidi(f"gnp{control}.exe 下関{control}市") == "gnp.exe 下関市"


@pytest.mark.parametrize("text", ["市民活動センターの開館時間を\n延ばしてください。", "ＡＢＣ　ｶﾅ", "👨\u200d👩\u200d👧 家族",
                                  "مرحبا بالعالم", "a\u200bb", ""])
def test_ordinary_text_is_kept_intact(text):
    assert strip_bidi(text) == text


def test_matching_ignores_bidi_controls():
    assert normalize("開館\u202e時間") == normalize("開館時間")
    assert normalize_for_match("開館\u2066時間\u2069を延ばして") == normalize_for_match("開館時間を延ばして")

"""The personal-data detector: each kind in the forms people type it, the look-alikes it must
leave alone, the submitter's own details, offsets into the original text, and its figures on the
labelled set (tests/privacy/data/labelled.jsonl, also read by ``python -m bench.pii``)."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.privacy.detect import KINDS, THRESHOLD, Finding, Known, find_personal_data
from app.privacy.patterns import my_number_check_digit_ok
from bench.pii import evaluate, load


def found(text: str, known: Known | None = None) -> list[tuple[str, str]]:
    return [(finding.kind, finding.text) for finding in find_personal_data(text, known)]


def kinds(text: str, known: Known | None = None) -> list[str]:
    return [finding.kind for finding in find_personal_data(text, known)]


# --- Phone and fax numbers --------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "083-231-1111",
        "0832-23-1111",
        "08396-2-1234",
        "090-1234-5678",
        "080 1234 5678",
        "070.1234.5678",
        "0120-123-456",
        "050-3456-7890",
        "(0832) 00-0000",
        "(083)231-1111",
        "083(231)1111",
        "0832311111",
        "09012345678",
        "+81-90-1234-5678",
        "06-6123-4567",
    ],
)
def test_phone_numbers_are_found_in_every_grouping(number):
    assert found(f"連絡は{number}までお願いします。") == [("phone", number)]


@pytest.mark.parametrize(
    "number", ["０９０－１２３４－５６７８", "090ー1234ー5678", "083‐231‐1111", "083−231−1111", "０８３（２３１）１１１１", "０７０　８８８８　９９９９"]
)
def test_phone_numbers_in_full_width_digits_and_hyphen_variants_are_found(number):
    assert found(f"携帯は{number}です") == [("phone", number)]


def test_a_fax_number_is_a_phone_number():
    assert found("FAX：083-252-7788") == [("phone", "083-252-7788")]


@pytest.mark.parametrize(
    "text",
    [
        "令和7年1月6日～24日に調査しました。",
        "配布数2,500、回収数957（38.3％）。",
        "意見募集は2025-10-06から2025-11-06まででした。",
        "13:30-16:30に開催します。",
        "0120で始まる番号は無料です。",
        "083-231-111 は桁が足りない番号です。",
        "090-1234-56789 は桁が多すぎます。",
        "会員番号 0012-3456",
    ],
)
def test_dates_times_amounts_and_short_numbers_are_not_phone_numbers(text):
    assert "phone" not in kinds(text)


# --- Email addresses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "yamada.taro@example.jp",
        "aya.k+pubcom@example.com",
        "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ",
        "sato-k アット example.ne.jp",
        "info（あっと）mail.example.com",
        "kenji[at]example.org",
        "yoshida アットマーク example ドット jp",
    ],
)
def test_email_addresses_are_found_also_with_full_width_and_spelled_at_signs(address):
    assert found(f"メールは{address}です。") == [("email", address)]


@pytest.mark.parametrize("text", ["@山田さんへの返信です", "a@b の形は足りません", "meet at the station. ok"])
def test_an_at_sign_without_a_domain_is_not_an_email_address(text):
    assert "email" not in kinds(text)


def test_an_email_pattern_does_not_backtrack_on_a_long_spelled_domain():
    started = time.process_time()
    find_personal_data("x@" + "a  dot  " * 3000)
    assert time.process_time() - started < 2


# --- Postal codes -----------------------------------------------------------------------------


@pytest.mark.parametrize("text, code", [("〒750-8521", "750-8521"), ("〒 7590204", "7590204"), ("〒７５０－００２５", "７５０－００２５"),
                                        ("郵便番号7520997", "7520997"), ("郵便番号は759-5511です", "759-5511")])
def test_postal_codes_with_the_mark_or_a_label_are_found(text, code):
    assert found(text) == [("postal_code", code)]


def test_a_seven_digit_run_without_a_postal_label_is_not_a_postal_code():
    assert found("整理番号：1234567") == []


# --- Street addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "山口県下関市竹崎町4丁目1番22号",
        "下関市竹崎町4丁目1番22号",
        "下関市南部町1-1",
        "竹崎町4-1-22",
        "竹崎町四丁目一番二十二号",
        "下関市竹崎町４丁目１－２２",
        "下関市王喜本町７ー８ー９",
        "下関市川中本町３‐４‐５",
        "下関市彦島福浦町1−2−3",
        "山口県下関市菊川町大字下岡枝１２３番地の４",
        "下関市大字吉見下1180番地",
        "東京都千代田区霞が関１－２－２",
        "山口県下関市豊田町大字殿敷１５６７",
    ],
)
def test_street_addresses_are_found_in_every_notation(address):
    assert found(f"住所は{address}です。") == [("address", address)]


@pytest.mark.parametrize(
    "text",
    [
        "下関市は中核市です。",
        "しものせき市民活動センターはヴェルタワー下関の2階にあります。",
        "下関市竹崎町には商店街があります。",
        "第5次下関市市民活動促進基本計画に賛成です。",
        "2丁目の公園でラジオ体操をしています。",
        "下関市内の17地区で活動しています。",
    ],
)
def test_a_place_without_a_house_number_is_not_an_address(text):
    assert "address" not in kinds(text)


@pytest.mark.parametrize(
    "text",
    ["第3章 2（1）の記述について。", "表1-2の数値が違う。", "資料2-3-1を見てください。", "施策番号3-2-1に期待します。",
     "平成26年条例第54号に基づく。", "国道191号と県道の交差点。", "p.12-13の用語の定義。"],
)
def test_section_table_and_ordinance_numbers_are_not_addresses(text):
    assert found(text) == []


# --- My Number --------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["1234 5678 9018", "1234-5678-9018", "123456789018", "１２３４５６７８９０１８"])
def test_twelve_digit_runs_are_reported_as_my_number_like(number):
    assert found(f"番号は{number}です") == [("my_number", number)]


def test_a_right_check_digit_makes_a_twelve_digit_run_surer():
    (right,) = find_personal_data("123456789018")
    (wrong,) = find_personal_data("123456789012")
    assert my_number_check_digit_ok("123456789018") and not my_number_check_digit_ok("123456789012")
    assert right.score > wrong.score >= THRESHOLD


def test_context_words_raise_a_score():
    (plain,) = find_personal_data("1234 5678 9018")
    (labelled,) = find_personal_data("マイナンバー 1234 5678 9018")
    assert labelled.score > plain.score


# --- Names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, name",
    [
        ("隣の佐藤さんがいつも参加しています。", "佐藤"),
        ("しものせき市民活動センターで田中花子と申します。", "田中花子"),
        ("私は吉田です。", "吉田"),
        ("私は山田カナリア太郎です。", "山田カナリア太郎"),
        ("氏名：高橋健太", "高橋健太"),
        ("代表者 清水 大輔", "清水 大輔"),
        ("妻の恵子も同じ考えです。", "恵子"),
        ("講座の講師の松本先生の話", "松本"),
        ("ジョン・スミスさんも意見を書きました。", "ジョン・スミス"),
        ("返信はo.kimura@example.jp（木村）まで", "木村"),
    ],
)
def test_a_name_with_an_honorific_label_or_self_introduction_is_found(text, name):
    assert ("name", name) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "下関市長の前田晋太郎氏の方針に賛成です。",
        "前田市長が会見で述べたとおりです。",
        "市議会議員の鈴木氏が質問していました。",
        "自治会長の話では参加者が減っているそうです。",
        "安倍元首相の地元でもあります。",
        "担当は田中課長です。",
    ],
)
def test_an_office_holder_named_in_office_is_not_reported(text):
    assert "name" not in kinds(text)


@pytest.mark.parametrize(
    "text", ["市民活動を応援する高橋まちづくり協議会の取組に期待。", "株式会社山田工務店が協賛しています。", "田中病院の駐車場を使えないか。"]
)
def test_an_organisation_named_after_a_person_is_not_reported(text):
    assert "name" not in kinds(text)


def test_historical_figures_in_the_dictionary_are_not_reported():
    assert found("高杉晋作ゆかりの地として観光にも力を入れてほしい。") == []


def test_a_name_followed_by_an_unrelated_place_is_still_a_name():
    assert ("name", "山田太郎") in found("山田太郎 山口県下関市竹崎町4-1-22")


# --- The submitter's own details --------------------------------------------------------------

KNOWN = Known(name="山田 太郎", address="山口県下関市竹崎町4-1-22", phone="090-1234-5678", email="Taro@Example.jp")


def test_the_submitters_own_details_are_found_wherever_they_recur_in_another_notation():
    text = "山田太郎です。家は竹崎町4丁目1番22号、携帯は０９０ １２３４ ５６７８、メールはtaro@example.jpです。"
    findings = find_personal_data(text, KNOWN)
    assert [(f.kind, f.text, f.source, f.score) for f in findings] == [
        ("name", "山田太郎", "submitter", 1.0),
        ("address", "竹崎町4丁目1番22号", "submitter", 1.0),
        ("phone", "０９０ １２３４ ５６７８", "submitter", 1.0),
        ("email", "taro@example.jp", "submitter", 1.0),
    ]


def test_the_submitters_surname_alone_is_found_even_without_context():
    assert found("以上、山田より。", KNOWN) == [("name", "山田")]
    assert found("以上、山田より。") == []


def test_a_submitters_name_typed_without_a_space_is_split_into_its_parts():
    assert found("太郎より", Known(name="山田太郎")) == [("name", "太郎")]


def test_the_submitters_given_name_inside_another_name_is_not_matched():
    assert found("下関市長の前田晋太郎氏の方針に賛成です。", KNOWN) == []


def test_the_submitters_surname_as_part_of_a_place_or_business_is_not_matched():
    assert found("山田地区と山田工務店の取組に期待しています。", KNOWN) == []


def test_the_submitters_phone_inside_a_longer_number_is_not_matched():
    assert found("整理番号 1090123456789", Known(phone="090-1234-5678")) == []


def test_empty_known_details_match_nothing():
    assert find_personal_data("計画に賛成です。", Known()) == []
    assert find_personal_data("計画に賛成です。", Known(name=None, address=None, phone=None, email=None)) == []


def test_the_submitters_phone_given_in_international_form_is_found_in_national_form():
    (finding,) = find_personal_data("電話は090-1234-5678です", Known(phone="+81 90 1234 5678"))
    assert (finding.kind, finding.text, finding.source) == ("phone", "090-1234-5678", "submitter")


# --- Offsets, overlaps, sizes -----------------------------------------------------------------


def test_offsets_point_into_the_original_text_even_after_characters_that_normalise_longer():
    text = "㈱①½の話。私は田中花子と申します。電話は０９０－１２３４－５６７８です。"
    findings = find_personal_data(text)
    assert [(f.kind, f.text) for f in findings] == [("name", "田中花子"), ("phone", "０９０－１２３４－５６７８")]
    assert all(text[f.start : f.end] == f.text for f in findings)


def test_findings_are_sorted_and_do_not_overlap():
    text = "〒750-0025 下関市竹崎町4-1-22 山田太郎さん 090-1234-5678 taro@example.jp マイナンバー 1234 5678 9018"
    findings = find_personal_data(text, KNOWN)
    assert [f.kind for f in findings] == ["postal_code", "address", "name", "phone", "email", "my_number"]
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:], strict=False))
    assert {f.kind for f in findings} <= set(KINDS) and {f.source for f in findings} <= {"pattern", "analyser", "submitter"}
    assert all(0 <= f.score <= 1 for f in findings)


def test_an_overlap_of_one_kind_becomes_one_finding_and_the_submitters_source_wins():
    (finding,) = find_personal_data("私は山田カナリア太郎です。", Known(name="山田 花子"))
    assert (finding.kind, finding.text, finding.source) == ("name", "山田カナリア太郎", "submitter")


def test_between_kinds_the_longer_finding_wins_an_overlap():
    (finding,) = find_personal_data("自宅 083-231-1111")
    assert finding == Finding("phone", 3, 15, "083-231-1111", finding.score, "pattern")


def test_a_long_text_is_read_in_chunks_without_losing_offsets():
    text = "市民活動を応援します。" * 1200 + "私は田中花子と申します。電話は090-1234-5678です。"
    findings = find_personal_data(text)
    assert [(f.kind, f.text) for f in findings] == [("name", "田中花子"), ("phone", "090-1234-5678")]
    assert all(text[f.start : f.end] == f.text for f in findings)


@pytest.mark.parametrize("text", ["", "   ", "\n\t　"])
def test_empty_or_blank_text_has_no_findings(text):
    assert find_personal_data(text) == []


def test_threads_detect_at_the_same_time_with_the_same_results():
    texts = [row["text"] for row in load()][:120]
    alone = [find_personal_data(text) for text in texts]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(find_personal_data, texts))
    assert together == alone


# --- The labelled set -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def labelled():
    return load()


@pytest.fixture(scope="module")
def scores(labelled):
    return evaluate(labelled)


def test_the_labelled_set_is_large_half_positive_and_its_spans_match_their_text(labelled):
    assert len(labelled) >= 300
    positives = sum(bool(row["spans"]) for row in labelled)
    assert 0.4 <= positives / len(labelled) <= 0.6
    for row in labelled:
        for span in row["spans"]:
            assert row["text"][span["start"] : span["end"]] == span["text"] and span["kind"] in KINDS, row


def test_recall_of_phones_emails_and_addresses_on_the_labelled_set_is_at_least_98_percent(scores):
    for kind in ("phone", "email", "address"):
        assert scores[kind].recall >= 0.98, (kind, scores[kind])


def test_precision_and_the_other_kinds_on_the_labelled_set_stay_where_they_were_measured(scores):
    # Measured 1.000 for every pattern kind and 0.988 for names (python -m bench.pii); a little
    # room so that an added sentence does not fail the suite, none for a real regression.
    for kind in ("phone", "email", "postal_code", "address", "my_number"):
        assert scores[kind].precision >= 0.97, (kind, scores[kind])
    for kind in ("postal_code", "my_number"):
        assert scores[kind].recall >= 0.95, (kind, scores[kind])
    assert scores["name"].precision >= 0.95 and scores["name"].recall >= 0.95, scores["name"]
    assert scores["all"].precision >= 0.98 and scores["all"].recall >= 0.98, scores["all"]

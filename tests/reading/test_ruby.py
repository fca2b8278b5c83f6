"""Ruby markup: which text gets readings, and the accuracy of the readings on the city's vocabulary."""

from app.reading.html import annotate_html
from app.reading.ruby import CityDictionary, annotate_text
from bench.furigana import accuracy, reading_set

CITY = CityDictionary({"下関": "しものせき", "ふくふくサポート": "ふくふくさぽーと"})


def test_readings_are_right_on_the_city_vocabulary():
    assert len(reading_set()) >= 200
    score, misses = accuracy()
    assert score >= 0.97, misses


def test_kanji_words_get_hiragana_readings_on_their_kanji_only():
    assert annotate_text("申し込みを受け付けます") == (
        "<ruby>申<rt>もう</rt></ruby>し<ruby>込<rt>こ</rt></ruby>みを"
        "<ruby>受<rt>う</rt></ruby>け<ruby>付<rt>つ</rt></ruby>けます")


def test_kana_numbers_latin_and_urls_are_left_alone():
    text = "ワークショップは9月20日、https://example.jp/%E5%B8%82?a=1&b=2 と NPO へ"
    out = annotate_text(text)
    assert "https://example.jp/%E5%B8%82?a=1&b=" in out and "NPO" in out and "ワークショップは9" in out
    assert "<ruby>20" not in out and "20日" in out  # 20日 is はつか: no reading rather than a wrong one
    assert annotate_text("ひらがなとカタカナ") == "ひらがなとカタカナ"


def test_the_city_dictionary_wins_over_the_analyser():
    assert annotate_text("下関市", CITY) == "<ruby>下関<rt>しものせき</rt></ruby><ruby>市<rt>し</rt></ruby>"
    assert "ふくふくサポート" in annotate_text("ふくふくサポートで相談", CITY)
    assert "<ruby>ふく" not in annotate_text("ふくふくサポートで相談", CITY)


def test_only_text_nodes_of_japanese_elements_are_annotated():
    page = ('<html lang="ja"><head><title>市民</title><style>p::after{content:"市民"}</style></head><body>'
            '<p title="市民活動"><a href="/市民">市民</a></p><script>const s = "<b>市民</b>";</script>'
            '<code>市民</code><pre>市民</pre><ruby>市民<rt>しみん</rt></ruby><span lang="en">市民</span>'
            '<textarea>市民</textarea><select><option>市民</option></select><p>協働</p></body></html>')
    out = annotate_html(page)
    assert '<p title="市民活動"><a href="/市民"><ruby>市民<rt>しみん</rt></ruby></a></p>' in out
    assert "<ruby>協働<rt>きょうどう</rt></ruby>" in out
    for kept in ("<title>市民</title>", 'content:"市民"', '"<b>市民</b>"', "<code>市民</code>", "<pre>市民</pre>",
                 "<ruby>市民<rt>しみん</rt></ruby><span", '<span lang="en">市民</span>', "<textarea>市民</textarea>",
                 "<option>市民</option>"):
        assert kept in out
    assert out.count("<ruby>") == 3


def test_an_english_page_annotates_only_its_japanese_parts():
    out = annotate_html('<html lang="en"><body><p>Plan <span lang="ja">市民活動</span> 市民</p></body></html>')
    assert '<span lang="ja"><ruby>市民<rt>しみん</rt></ruby><ruby>活動<rt>かつどう</rt></ruby></span> 市民' in out


def test_a_city_word_inside_a_longer_word_leaves_the_rest_read_in_context():
    assert annotate_text("下関市市民活動", CITY) == (
        "<ruby>下関<rt>しものせき</rt></ruby><ruby>市<rt>し</rt></ruby><ruby>市民<rt>しみん</rt></ruby>"
        "<ruby>活動<rt>かつどう</rt></ruby>")

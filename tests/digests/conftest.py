"""What the digest tests share: a form-letter campaign to cluster, in periods whose third section is
their own. The factories are in tests/factories.py."""

from functools import partial

import pytest

SECTIONS = (("第1章 1", "計画の背景"), ("第1章 2", "計画の趣旨"), ("第2章", "施策の展開"))


@pytest.fixture
def make_period(make_period):
    """The shared factory with the digest tests' sections: the campaign below is about 施策の展開."""
    return partial(make_period, sections=SECTIONS)


FORM_LETTER = ("公民館の利用時間延長を求めます。現在の公民館は平日の夜九時で閉館しており、仕事を持つ市民が活動に"
               "参加することが困難です。活動拠点の開館時間を延長し、土日祝日も含めて柔軟に利用できるようにする"
               "ことが不可欠です。予約をオンラインで行えるようにすることを強く要望します。")
ADDITIONS = ["駅前に住む高齢者の一人として、切実にお願いします。", "", "子育て中の親の声もぜひ聞いてください。",
             "", "家族も同じ思いです。", "私自身、仕事帰りでは間に合わないと日々感じています。"]
UNIQUE = [
    "SNSでの情報発信をもっと増やしてください。若い世代は広報紙を読みません。",
    "町内会の役員の負担が大きすぎます。担い手の高齢化への対策を計画に書いてください。",
    "評価指標が参加者数ばかりで、活動の質が測られていないと思います。",
    "外国人住民向けに多言語の案内を用意してほしい。",
]


def form_copy(addition: str) -> str:
    """The letter with a sender's sentence put after its first sentence."""
    first, rest = FORM_LETTER.split("。", 1)
    return f"{first}。{addition}{rest}"


@pytest.fixture
def campaign_period(make_period, add_opinions):
    """A period with a six-copy form-letter campaign (section 3), two identical opinions, and unique ones."""
    period_id = make_period()
    letters = [{"text": form_copy(addition), "section": 3, "channel": "email" if i % 2 else "web"}
               for i, addition in enumerate(ADDITIONS)]
    duplicates = [{"text": "駐車場が狭いので拡張してください。", "section": 2, "attribute": "worker"},
                  {"text": "駐車場が狭いので、拡張してください！", "section": 2, "channel": "fax"}]
    uniques = [{"text": text, "section": None if i == 0 else 1, "tags": ["情報発信"] if i == 0 else []}
               for i, text in enumerate(UNIQUE)]
    ids = add_opinions(period_id, letters + duplicates + uniques)
    return period_id, {"letters": ids[:6], "duplicates": ids[6:8], "unique": ids[8:]}

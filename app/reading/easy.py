"""The やさしい日本語 checker: what staff are warned about while they write a summary or a glossary entry.

Two rules from the city's guidelines for easy Japanese: a sentence of at most 50 characters, and kanji
from the 常用漢字 list only (the 2010 list of 2,136 characters, shipped in ``data/joyo_kanji.txt``).
They are warnings, not errors: the text is saved, and staff decide.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

MAX_SENTENCE = 50
JOYO_FILE = Path(__file__).with_name("data") / "joyo_kanji.txt"
# The list's four characters whose usual printed form differs from the one in the list (許容字体).
ALLOWED_VARIANTS = frozenset("叱填剥頬")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
# A sentence ends at 。！？ (or their ASCII forms) or at a line break; closing brackets stay with it.
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]*[」』）)]*|[。！？!?]+")


@cache
def joyo_kanji() -> frozenset[str]:
    text = JOYO_FILE.read_text(encoding="utf-8")
    return frozenset("".join(line.strip() for line in text.splitlines() if not line.startswith("#")))


@dataclass(frozen=True)
class Hint:
    kind: str  # "long_sentence" or "rare_kanji"
    subject: str  # the sentence, or the kanji found
    size: int = 0

    @property
    def message(self) -> str:
        if self.kind == "long_sentence":
            return str(_l("This sentence has %(size)d characters; make it %(max)d or fewer: 「%(sentence)s」",
                          size=self.size, max=MAX_SENTENCE, sentence=self.subject))
        return str(_l("Not in the 常用漢字 list: %(kanji)s. Write these words in hiragana or in easier words.",
                      kanji="・".join(self.subject)))


def sentences(text: str) -> list[str]:
    return [match.group().strip() for match in _SENTENCE.finditer(text) if match.group().strip()]


def sentence_length(sentence: str) -> int:
    """Characters a reader reads: spaces (やさしい日本語 puts them between words) do not count."""
    return sum(1 for char in sentence if not char.isspace())


def rare_kanji(text: str) -> list[str]:
    """Kanji outside the 常用漢字 list, each once, in the order they appear."""
    known = joyo_kanji() | ALLOWED_VARIANTS
    return list(dict.fromkeys(char for char in _KANJI.findall(text) if char not in known))


def check(text: str) -> list[Hint]:
    """What to tell the writer about ``text``: each long sentence, then the rare kanji."""
    found = [Hint("long_sentence", sentence, sentence_length(sentence)) for sentence in sentences(text or "")
             if sentence_length(sentence) > MAX_SENTENCE]
    rare = rare_kanji(text or "")
    if rare:
        found.append(Hint("rare_kanji", "".join(rare), len(rare)))
    return found

"""The analyser recogniser of the personal-data detector: person names, from SudachiPy's parts of
speech (名詞,固有名詞,人名 — 姓, 名, 一般) and the words around them.

Sudachi finds surname and given-name tokens but not who they belong to. What stands around a name
decides: an honorific (さん, 様, 氏), a self-introduction (と申します, 私は…です), a label (氏名：)
or a relation (父の, 友人の) raises its score; an office (下関市長の, …議員) or an organisation
(高橋まちづくり協議会, 株式会社…) lowers it. The word lists are in data/lexicon.json.
"""

import re
import unicodedata
from threading import Lock, local

import sudachipy

from app.privacy.patterns import LEXICON, Candidate

Token = tuple[int, int, str]  # start, end (in the text), class: surname, given, person, place, noun, space, other

# Sudachi refuses inputs over ~49 kB; a chunk of 4,000 characters stays under it in any script.
_CHUNK = 4000
_NAME_CLASSES = ("surname", "given", "person")
_dictionary: sudachipy.Dictionary | None = None
_dictionary_lock = Lock()
_thread = local()
_pos_classes: dict[int, str] = {}

HONORIFICS = tuple(LEXICON["honorifics"])
_SELF_INTRODUCTIONS = tuple(LEXICON["self_introductions"])
_NAME_LABELS = tuple(LEXICON["name_labels"])
_OFFICES = tuple(LEXICON["offices"])
ORGANISATIONS = tuple(LEXICON["organisation_words"])


def _alternatives(words) -> str:
    return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))


_I_AM = re.compile(f"(?:{_alternatives(LEXICON['first_person'])})(?:は|の名前は|、)")
_ADDRESSED_BEFORE = re.compile(
    f"(?:(?:{_alternatives(LEXICON['first_person'])})[、,\\s]|(?:{_alternatives(LEXICON['relations'])})の)$"
)
# 自治会長の山本さん: Sudachi splits 会長 off as the suffix 長, so a bare 長 right before counts too.
_OFFICE_BEFORE = re.compile(f"(?:{_alternatives(_OFFICES)}|長)(?:の|、|・|\\s|である)?$")
_OFFICE_AFTER = re.compile(f"(?:元|前|現)?(?:{_alternatives(_OFFICES)})")
_ORGANISATION_BEFORE = re.compile(r"(?:株式会社|有限会社|合同会社|\(株\)|\(有\))\s?$")
_SENTENCE_END = re.compile(r"[。！？!?\n]")
_NAME_CLOSERS = HONORIFICS + _SELF_INTRODUCTIONS + ("です",)


def dictionary() -> sudachipy.Dictionary:
    """The process's one Sudachi dictionary, loaded on first use; other features (furigana) make
    their tokenisers from it rather than load a second copy."""
    global _dictionary
    with _dictionary_lock:
        if _dictionary is None:
            _dictionary = sudachipy.Dictionary(dict="core")
    return _dictionary


def _tokeniser() -> sudachipy.Tokenizer:
    """This thread's tokeniser over the process's one dictionary (a Sudachi tokeniser must not be
    shared between threads). Split mode C keeps 田中花子 as 姓 + 名 and 下関市竹崎町 whole."""
    tokeniser = getattr(_thread, "tokeniser", None)
    if tokeniser is None:
        tokeniser = _thread.tokeniser = dictionary().tokenizer(mode=sudachipy.SplitMode.C, fields={"pos"})
    return tokeniser


def _pos_class(pos: tuple[str, ...]) -> str:
    if pos[0] == "名詞" and pos[1] == "固有名詞":
        if pos[2] == "人名":
            return {"姓": "surname", "名": "given"}.get(pos[3], "person")
        return "place" if pos[2] == "地名" else "noun"
    if pos[0] == "名詞":
        return "noun"
    return "space" if pos[0] == "空白" else "other"


def tokens(text: str) -> list[Token]:
    """Each morpheme of ``text`` as (start, end, class)."""
    found = []
    offset = 0
    while offset < len(text):
        end = len(text)
        if end - offset > _CHUNK:
            cut = max(text.rfind("。", offset, offset + _CHUNK), text.rfind("\n", offset, offset + _CHUNK))
            end = cut + 1 if cut > offset else offset + _CHUNK
        for morpheme in _tokeniser().tokenize(text[offset:end]):
            pos_id = morpheme.part_of_speech_id()
            kind = _pos_classes.get(pos_id)
            if kind is None:
                kind = _pos_classes[pos_id] = _pos_class(morpheme.part_of_speech())
            found.append((offset + morpheme.begin(), offset + morpheme.end(), kind))
        offset = end
    return found


def followed_by_organisation(text: str, end: int) -> bool:
    """田中地区, 山田工務店: the word right after ``text[:end]`` makes it an organisation or a place."""
    return unicodedata.normalize("NFKC", text[end : end + 6]).startswith(ORGANISATIONS)


def _is_katakana(word: str) -> bool:
    return all("\u30a0" <= char <= "\u30ff" for char in word)


def _base_score(classes: list[str], word: str) -> float:
    if sum(kind not in ("space", "other") for kind in classes) >= 2:
        return 0.6  # 田中花子: surname and given name together
    if "surname" in classes:
        return 0.4  # 佐藤 alone is also a shop, a place, a company
    if "person" in classes:
        # Sudachi lists famous people whole (高杉晋作, 吉田松陰); katakana ones are given names (ジョン).
        return 0.4 if _is_katakana(word) else 0.3
    return 0.3  # a given name alone (美咲, 恵子) is as often a word


def _score(text: str, start: int, end: int, classes: list[str]) -> float:
    """A name's score from what it is and what stands around it."""
    score = _base_score(classes, text[start:end])
    before = unicodedata.normalize("NFKC", text[max(0, start - 10) : start])
    after = unicodedata.normalize("NFKC", text[end : end + 8]).lstrip()
    sentence = _SENTENCE_END.split(text[max(0, start - 60) : start])[-1]
    honorific = after.startswith(HONORIFICS)
    if honorific:
        score += 0.4
    if after.startswith(_SELF_INTRODUCTIONS):
        score += 0.45
    elif after.startswith(("です", "でございます")):
        # 私は山田です, 私の名前は森田涼子です; without them 副会長をしている大塚です is still one.
        score += 0.4 if _I_AM.search(sentence) or any(w in before for w in _NAME_LABELS) else 0.25
    elif any(word in before for word in _NAME_LABELS) or _ADDRESSED_BEFORE.search(before):
        score += 0.35  # 氏名：佐藤一郎, 私、中村は, 妻の恵子
    elif before.endswith("(") and after.startswith((")", "、", ",")):
        score += 0.35  # …@example.jp（木村）, （上田、080-…）: a signature
    if _OFFICE_BEFORE.search(before) or _OFFICE_AFTER.match(after):
        score -= 0.6  # 下関市長の前田晋太郎氏: an office holder acting in office
    if not honorific and (followed_by_organisation(text, end) or _ORGANISATION_BEFORE.search(before)):
        score -= 0.6  # 高橋まちづくり協議会, 株式会社山田工務店 (but not 山田太郎 山口県…)
    return score


def names(text: str, found_tokens: list[Token]) -> list[Candidate]:
    candidates = []
    i = 0
    while i < len(found_tokens):
        start, end, kind = found_tokens[i]
        if kind not in _NAME_CLASSES:
            # 松本先生: Sudachi may take a surname for the place of the same name; an honorific tells.
            if kind == "place" and end - start <= 3 and text[end : end + 4].startswith(HONORIFICS):
                candidates.append(("name", start, end, _score(text, start, end, ["place"])))
            i += 1
            continue
        j = i + 1
        # 田中 花子, ジョン・スミス: one space or middle dot inside a name keeps it one name.
        while j < len(found_tokens) and (
            found_tokens[j][2] in _NAME_CLASSES
            or (
                j + 1 < len(found_tokens)
                and text[found_tokens[j][0] : found_tokens[j][1]] in (" ", "\u3000", "・")
                and found_tokens[j + 1][2] in _NAME_CLASSES
            )
        ):
            j += 1
        # 山田カナリア太郎です: a surname followed by words Sudachi does not know as a name is one
        # name when an honorific or a self-introduction closes them (田中課長です stays an office).
        if found_tokens[j - 1][2] == "surname":
            for extra in (1, 2):
                k = j + extra
                if k > len(found_tokens) or any(
                    found_tokens[m][2] not in ("noun", "place", "given")
                    or _OFFICE_AFTER.match(text, found_tokens[m][0])
                    or followed_by_organisation(text, found_tokens[m][0])
                    for m in range(j, k)
                ):
                    break
                if text.startswith(_NAME_CLOSERS, found_tokens[k - 1][1]):
                    j = k
                    break
        start, end = found_tokens[i][0], found_tokens[j - 1][1]
        classes = [found_tokens[m][2] for m in range(i, j)]
        candidates.append(("name", start, end, _score(text, start, end, classes)))
        i = j
    return candidates

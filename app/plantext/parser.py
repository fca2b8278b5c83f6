"""Reading a plan's text laid out as the city writes it into chapters, sections and blocks.

The city numbers its drafts 第１章 / １ / （１）, with full-width or half-width numerals (and kanji
for chapters), captions tables 【表１ …】 above a Markdown or tab-separated table and glosses words in
※ notes. Markdown heading marks (``#``) in front of such a heading are allowed and dropped. Text
before the first heading is kept as an untitled opening section. Anchors are built from the numbers
(``ch1-s2-3``), never from database ids, so a link to a section survives a new import or version.
"""

import re
import unicodedata
from dataclasses import dataclass, field

MAX_TITLE = 200
KANJI = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}

CHAPTER = re.compile(r"^第\s*([0-9０-９]+|[一二三四五六七八九十]+)\s*章[\s　]*(.*)$")
SECTION = re.compile(r"^([0-9０-９]{1,2})[\s　]+(\S.*)$")
SUBSECTION = re.compile(r"^[（(]\s*([0-9０-９]{1,2})\s*[）)][\s　]*(\S.*)$")
TABLE_CAPTION = re.compile(r"^【\s*(表\s*[0-9０-９]+.*?)\s*】$")
FIGURE_CAPTION = re.compile(r"^【[^】]+】$")
MD_HEADING = re.compile(r"^#{1,6}\s+")
MD_RULE = re.compile(r"^\|?[\s:|\-]+\|?$")
JOIN_TIGHT = re.compile(r"[^\x00-\x7f]")


class ParseError(ValueError):
    """The text cannot be read as a plan; ``code`` names the problem, ``line`` where (1-based)."""

    def __init__(self, code: str, line: int = 0, **params):
        super().__init__(f"{code} at line {line}")
        self.code, self.line, self.params = code, line, params


@dataclass
class Block:
    kind: str  # paragraph, table or note
    text: str = ""  # Markdown for a paragraph or note, the caption for a table
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class ParsedSection:
    level: int  # 0 the opening text, 1 chapter, 2 section, 3 sub-section
    number: str  # as written: 第１章, １, （１）
    title: str
    anchor: str
    blocks: list[Block] = field(default_factory=list)


def to_int(numeral: str) -> int:
    """１２ or 12 or 十二 as 12."""
    plain = unicodedata.normalize("NFKC", numeral)
    if plain.isdigit():
        return int(plain)
    if plain.startswith("十"):
        return 10 + KANJI.get(plain[1:], 0)
    if "十" in plain:
        tens, _, ones = plain.partition("十")
        return KANJI[tens] * 10 + KANJI.get(ones, 0)
    return KANJI[plain]


def heading(line: str) -> tuple[int, str, int, str] | None:
    """(level, number as written, number, title) when ``line`` is a heading."""
    text = MD_HEADING.sub("", line).strip()
    for level, pattern in ((1, CHAPTER), (3, SUBSECTION), (2, SECTION)):
        match = pattern.match(text)
        if match and len(match.group(2)) <= 60 and not match.group(2).endswith("。"):
            number = text[: match.start(2)].strip() if match.group(2) else text
            return level, number, to_int(match.group(1)), match.group(2).strip()
    return None


def table_row(line: str) -> list[str] | None:
    """The cells of a Markdown (| a | b |) or tab-separated row; None for any other line."""
    if line.startswith("|"):
        return [cell.strip() for cell in line.strip().strip("|").split("|")]
    if "\t" in line:
        return [cell.strip() for cell in line.split("\t")]
    return None


def join_lines(lines: list[str]) -> str:
    """A paragraph's lines as one: a space only between two English words, as Japanese takes none."""
    text = ""
    for line in lines:
        tight = not text or JOIN_TIGHT.match(text[-1]) or JOIN_TIGHT.match(line[0])
        text += line if tight else " " + line
    return text


class _Reader:
    def __init__(self):
        self.sections: list[ParsedSection] = []
        self.numbers = [0, 0, 0]  # chapter, section, sub-section
        self.lines: list[str] = []
        self.kind = "paragraph"
        self.table: Block | None = None

    def current(self) -> ParsedSection:
        if not self.sections:
            self.sections.append(ParsedSection(0, "", "", "intro"))
        return self.sections[-1]

    def flush(self) -> None:
        if self.lines:
            self.current().blocks.append(Block(self.kind, join_lines(self.lines)))
        self.lines, self.kind = [], "paragraph"
        if self.table is not None:
            self.current().blocks.append(self.table)
            self.table = None

    def open_section(self, number_no: int, level: int, number: str, title: str, line_no: int) -> None:
        self.flush()
        self.numbers[level - 1] = number_no
        self.numbers[level:] = [0] * (3 - level)
        chapter, section, sub = self.numbers
        parts = ([f"ch{chapter}"] if chapter else []) + ([f"s{section}"] if section else [])
        anchor = "-".join(parts) + (f"-{sub}" if sub and parts else f"p{sub}" if sub else "")
        if any(existing.anchor == anchor for existing in self.sections):
            raise ParseError("duplicate_heading", line_no, heading=f"{number} {title}".strip())
        if len(title) > MAX_TITLE:
            raise ParseError("long_title", line_no)
        self.sections.append(ParsedSection(level, number, title, anchor))

    def read(self, line: str, line_no: int) -> None:
        stripped = line.strip()
        row = table_row(stripped) if self.table is not None or stripped.startswith("|") or "\t" in line else None
        if row is not None:
            if self.table is None:
                self.flush()
                self.table = Block("table")
            if not (MD_RULE.match(stripped) and re.search("-{2,}", stripped)):
                self.table.rows.append(row)
            return
        if not stripped:
            # A blank line between a caption and its table does not end the table.
            if self.table is None or self.table.rows:
                self.flush()
            return
        if self.table is not None and self.table.rows:
            self.flush()
        if (caption := TABLE_CAPTION.match(stripped)) is not None:
            self.flush()
            self.table = Block("table", caption.group(1))
            return
        if FIGURE_CAPTION.match(stripped):
            # 【図１ …】 or 【参考】 stands on its own line: a paragraph of its own, not the start of the next.
            self.flush()
            self.current().blocks.append(Block("paragraph", stripped))
            return
        if (found := heading(stripped)) is not None:
            level, number, number_no, title = found
            self.open_section(number_no, level, number, title, line_no)
            return
        if stripped.startswith("※"):
            self.flush()
            self.kind = "note"
        self.lines.append(stripped)


def parse(text: str, *, headings_required: bool = True) -> list[ParsedSection]:
    """The sections of ``text`` in order; ParseError when it holds no heading at all (unless
    ``headings_required`` is false, as for the opening text edited on its own)."""
    reader = _Reader()
    for line_no, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        reader.read(line.rstrip(), line_no)
    reader.flush()
    if headings_required and not any(section.level for section in reader.sections):
        raise ParseError("no_headings")
    for section in reader.sections:
        for block in section.blocks:
            if block.kind == "table":
                width = max((len(row) for row in block.rows), default=0)
                if not width:
                    raise ParseError("empty_table", 0, caption=block.text)
                block.rows = [row + [""] * (width - len(row)) for row in block.rows]
    return reader.sections

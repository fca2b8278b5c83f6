"""What changed between two versions of the plan's text, section by section.

Sections are matched by their anchor (ch1-s2-1, made from the numbering), so a section keeps its
identity from 素案 to 計画 as long as its number does. Within a section the text is compared line by
line (a heading, a paragraph, a table row), and a changed line word by word: Japanese has no spaces,
so the words are SudachiPy's (split mode B), and short unchanged scraps between two changes are
folded into the change so that a reader sees 「担い手が不足」→「人材が減少」, not a patchwork.
"""

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from threading import local

import sudachipy

from app.plantext.models import PlanVersion, TextSection
from app.privacy.analyser import dictionary as sudachi_dictionary

ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"
# An unchanged scrap this short between two changes reads better inside the change (の, が, 、).
FOLD_CHARS = 2
# Below this likeness a line is shown as replaced whole rather than as a mosaic of small edits.
MIN_LIKENESS = 0.35
_MAX_TOKENISE_BYTES = 40_000  # Sudachi refuses inputs near 49 KB
_thread = local()


@dataclass(frozen=True)
class Run:
    """A stretch of text that is kept ("equal"), taken out ("delete") or put in ("insert")."""

    kind: str
    text: str


@dataclass
class Line:
    """One line of a section compared: ``old`` holds equal and delete runs, ``new`` equal and insert
    runs; ``runs`` is the two read in order (deletion before its insertion), for the inline view."""

    kind: str  # equal, delete, insert, replace
    runs: list[Run]

    @property
    def old(self) -> list[Run]:
        return [run for run in self.runs if run.kind != "insert"]

    @property
    def new(self) -> list[Run]:
        return [run for run in self.runs if run.kind != "delete"]


@dataclass
class SectionDiff:
    anchor: str
    status: str  # added, removed, changed, unchanged
    old: TextSection | None
    new: TextSection | None
    lines: list[Line] = field(default_factory=list)

    @property
    def section(self) -> TextSection:
        return self.new or self.old

    @property
    def display(self) -> str:
        return self.section.display

    @property
    def body_lines(self) -> list[Line]:
        """The lines under the heading, the heading kept only when it changed (the page shows it)."""
        if self.section.level and self.lines and self.lines[0].kind == "equal":
            return self.lines[1:]
        return self.lines

    @property
    def changed_lines(self) -> list[Line]:
        return [line for line in self.lines if line.kind != "equal"]


def section_lines(section: TextSection) -> list[str]:
    """The section as lines of plain text, its heading first: what a reader compares."""
    lines = [section.display] if section.level else []
    for block in section.blocks:
        if block.kind == "table":
            if block.text:
                lines.append(f"【{block.text}】")
            lines.extend(" | ".join(str(cell) for cell in row) for row in block.rows)
        else:
            lines.extend(line for line in block.text.splitlines() if line.strip())
    return lines


def _tokeniser() -> sudachipy.Tokenizer:
    tokeniser = getattr(_thread, "tokeniser", None)
    if tokeniser is None:
        tokeniser = _thread.tokeniser = sudachi_dictionary().tokenizer(mode=sudachipy.SplitMode.B, fields=set())
    return tokeniser


def words(text: str) -> list[str]:
    """``text`` cut into SudachiPy's words; joined again they give back ``text`` exactly."""
    if len(text.encode("utf-8")) > _MAX_TOKENISE_BYTES:
        return list(text)  # a line this long is a pasted blob: characters are words enough
    return [text[m.begin():m.end()] for m in _tokeniser().tokenize(text)] if text else []


def _merged(runs: list[Run]) -> list[Run]:
    """Each stretch of changes between kept text read as one deletion then one insertion."""
    merged: list[Run] = []
    deleted = inserted = ""
    for run in [*runs, Run("equal", "")]:
        if run.kind == "delete":
            deleted += run.text
        elif run.kind == "insert":
            inserted += run.text
        else:
            merged += [Run(kind, text) for kind, text in (("delete", deleted), ("insert", inserted)) if text]
            deleted = inserted = ""
            if run.text and merged and merged[-1].kind == "equal":
                merged[-1] = Run("equal", merged[-1].text + run.text)
            elif run.text:
                merged.append(run)
    return merged


def _folded(pieces: list[list[str]]) -> list[list[str]]:
    """Unchanged scraps between two changes folded into them, as diff-match-patch's semantic
    clean-up does: a scrap no longer than the changes on both sides (or than FOLD_CHARS) goes."""
    def size(piece):
        return max(len(piece[1]), len(piece[2]))

    folded = True
    while folded:
        folded = False
        for index in range(1, len(pieces) - 1):
            tag, text, _same = pieces[index]
            before, after = pieces[index - 1], pieces[index + 1]
            if tag == "equal" and before[0] != "equal" and after[0] != "equal" and (
                    len(text) <= FOLD_CHARS or len(text) <= min(size(before), size(after))):
                pieces[index - 1:index + 2] = [["replace", before[1] + text + after[1], before[2] + text + after[2]]]
                folded = True
                break
    return pieces


def line_runs(old: str, new: str) -> list[Run]:
    """The changes that make ``new`` out of ``old``, in readable runs."""
    a, b = words(old), words(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < MIN_LIKENESS:
        return _merged([Run("delete", old), Run("insert", new)])
    pieces = [[tag, "".join(a[i1:i2]), "".join(b[j1:j2])] for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
    runs: list[Run] = []
    for tag, old_text, new_text in _folded(pieces):
        runs += [Run("equal", old_text)] if tag == "equal" else [Run("delete", old_text), Run("insert", new_text)]
    return _merged(runs)


def compare_lines(old: list[str], new: list[str]) -> list[Line]:
    """Lines aligned as difflib sees them; a replaced group is paired line by line, word by word."""
    lines: list[Line] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            lines += [Line("equal", [Run("equal", text)]) for text in old[i1:i2]]
            continue
        olds, news = old[i1:i2], new[j1:j2]
        for index in range(max(len(olds), len(news))):
            before = olds[index] if index < len(olds) else None
            after = news[index] if index < len(news) else None
            if after is None:
                lines.append(Line("delete", [Run("delete", before)]))
            elif before is None:
                lines.append(Line("insert", [Run("insert", after)]))
            else:
                lines.append(Line("replace", line_runs(before, after)))
    return lines


def _order(old: list[str], new: list[str]) -> list[str]:
    """Every anchor once: the new version's order, a removed section just before the old section
    that followed it and still exists (at the end when none does): ３ removed after （１） was added
    under ２ reads ２, （１）, ３."""
    order = list(new)
    kept = set(new)
    for index, anchor in enumerate(old):
        if anchor in kept:
            continue
        following = next((a for a in old[index + 1:] if a in kept), None)
        order.insert(order.index(following) if following else len(order), anchor)
    return order


def compare(old: PlanVersion, new: PlanVersion) -> list[SectionDiff]:
    """Each section of either version, in reading order, with what became of it."""
    before = {section.anchor: section for section in old.sections}
    after = {section.anchor: section for section in new.sections}
    diffs: list[SectionDiff] = []
    for anchor in _order(list(before), list(after)):
        a, b = before.get(anchor), after.get(anchor)
        if a is None:
            diffs.append(SectionDiff(anchor, ADDED, None, b, [Line("insert", [Run("insert", t)])
                                                               for t in section_lines(b)]))
        elif b is None:
            diffs.append(SectionDiff(anchor, REMOVED, a, None, [Line("delete", [Run("delete", t)])
                                                                 for t in section_lines(a)]))
        else:
            lines = compare_lines(section_lines(a), section_lines(b))
            changed = any(line.kind != "equal" for line in lines)
            diffs.append(SectionDiff(anchor, CHANGED if changed else UNCHANGED, a, b, lines))
    return diffs


def changed_sections(old: PlanVersion, new: PlanVersion) -> list[SectionDiff]:
    return [diff for diff in compare(old, new) if diff.status != UNCHANGED]


def plain(runs: list[Run]) -> str:
    return "".join(run.text for run in runs)

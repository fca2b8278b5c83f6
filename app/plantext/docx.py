"""A Word file (.docx) of the plan turned into the lines the parser reads, so DOCX and Markdown
become the same chapters, sections and blocks through one parser.

Headings come from the paragraph styles (見出し 1/2/3 or Heading 1/2/3) or, in plain paragraphs, from
the city's own numbering (第１章 / １ / （１）), which the parser finds itself. A styled heading
whose number Word draws from its list numbering (not in the text) is given the number it shows.
Tables stay tables, written as Markdown rows; ※ notes and 【表１ …】 captions pass as they are.
"""

import io
import re
import unicodedata
import zipfile

from docx import Document
from docx.table import Table
from flask_babel import gettext as _

from app.core.errors import DomainError
from app.plantext.parser import heading

MAX_UNPACKED_BYTES = 50_000_000  # a small file that unpacks to gigabytes is refused before reading
HEADING_STYLE = re.compile(r"^(?:heading|見出し)\s*([1-3])$", re.IGNORECASE)
CAPTION_STYLE = re.compile(r"^(?:caption|図表番号)$", re.IGNORECASE)
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
MACRO_PARTS = ("word/vbaProject.bin", "word/vbaData.xml")


class DocxError(DomainError):
    """A file that is not a Word document this import reads: not DOCX, with macros, or damaged."""

    def describe(self) -> str:
        messages = {
            "not_docx": _("Choose a Word document (.docx). Other Word formats (.doc, .rtf) must be saved as "
                          ".docx first."),
            "macro": _("This Word file contains macros. Save it as a Word document (.docx) without macros "
                       "and choose it again."),
            "too_large": _("The Word file unpacks to more than 50 MB. Remove pictures from it and choose it "
                           "again."),
            "unreadable": _("The Word file could not be read. Open it in Word, save it again as .docx and "
                            "choose it again."),
        }
        return messages.get(self.code) or super().describe()


def _check(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        content_types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
        unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise DocxError("not_docx", "file") from error
    if any(part in names for part in MACRO_PARTS) or b"macroEnabled" in content_types:
        raise DocxError("macro", "file")
    if "word/document.xml" not in names:
        raise DocxError("not_docx", "file")
    if unpacked > MAX_UNPACKED_BYTES:
        raise DocxError("too_large", "file")


def _style_name(paragraph) -> str:
    try:
        return unicodedata.normalize("NFKC", paragraph.style.name or "").strip()
    except (AttributeError, KeyError, ValueError):
        return ""


class _Lines:
    """Paragraphs and tables in document order as the parser's lines, a blank line between blocks."""

    def __init__(self):
        self.lines: list[str] = []
        self.counts = [0, 0, 0]  # chapter, section, sub-section as numbered so far

    def block(self, *lines: str) -> None:
        self.lines.extend([*lines, ""])

    def numbered(self, level: int, text: str) -> str:
        """A styled heading as the city numbers it: its own number when written, else the next one."""
        found = heading(text)
        if found is not None:
            level, _number, value, _title = found
        else:
            value = self.counts[level - 1] + 1
            number = str(value).translate(FULL_WIDTH)
            text = {1: f"第{number}章　{text}", 2: f"{number}　{text}", 3: f"（{number}）　{text}"}[level]
        self.counts[level - 1] = value
        self.counts[level:] = [0] * (3 - level)
        return text

    def paragraph(self, paragraph) -> None:
        text = paragraph.text.replace("\t", "　").strip()
        if not text:
            return
        style = _style_name(paragraph)
        if (match := HEADING_STYLE.match(style)) is not None:
            self.block(self.numbered(int(match.group(1)), " ".join(text.split())))
            return
        if CAPTION_STYLE.match(style) and text.startswith("表") and not text.startswith("【"):
            text = f"【{text}】"
        elif (found := heading(text)) is not None:
            self.numbered(found[0], text)  # a plain paragraph numbered by hand: later styled ones follow it
        # A line the parser would take for a table row ("|…") is kept as text.
        self.block(*("｜" + line[1:] if line.startswith("|") else line
                     for line in (part.strip() for part in text.split("\n")) if line))

    def table(self, table: Table) -> None:
        rows = [[" ".join(cell.text.replace("|", "｜").split()) for cell in row.cells] for row in table.rows]
        rows = [row for row in rows if any(row)]
        if not rows:
            return
        header, *body = rows
        self.block("| " + " | ".join(header) + " |", "|" + "---|" * len(header),
                   *("| " + " | ".join(row) + " |" for row in body))


def docx_text(data: bytes) -> str:
    """The Word document ``data`` as the plan's text in the city's layout, for the parser."""
    _check(data)
    try:
        document = Document(io.BytesIO(data))
        lines = _Lines()
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                lines.table(item)
            else:
                lines.paragraph(item)
    except DocxError:
        raise
    except Exception as error:  # noqa: BLE001 (a damaged file can fail anywhere inside python-docx and lxml)
        raise DocxError("unreadable", "file") from error
    return "\n".join(lines.lines).strip() + "\n"

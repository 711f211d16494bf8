"""The feedback report as a PDF: one report_model.Report in, PDF bytes and warnings out.

The layout is an fpdf2 subclass, ReportPDF, with a header, a footer and one method per part. Every
font is vendored under data/fonts (see its README.md), so nothing is downloaded when a PDF is made:
DejaVu Sans for the text, Noto Sans Arabic, Gurmukhi, Bengali and Gujarati, Droid Sans Fallback for
Chinese, and Symbola for emoji. Charts are the reports' own Vega-Lite specs drawn by vl-convert.

Readable print: a chart is never placed so small that its text is under 8 pt (a tall one is cut between its rows
across pages instead); a heading is kept with the first lines of what follows it; no page is left under a quarter
full when a chart could fill it; figures are right-aligned in their columns; the glossary comes last.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import math
import re
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import vl_convert
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from lib import charts, dates
from lib.report import glossary as report_glossary
from lib.report import model as report_model

FONT_DIR = Path(__file__).resolve().parents[2] / "data" / "fonts"
# (family, style, file). DejaVu is the main face; the others are fallbacks, tried in this order.
FONTS = (
    ("dejavu", "", "DejaVuSans.ttf"),
    ("dejavu", "B", "DejaVuSans-Bold.ttf"),
    ("notoarabic", "", "NotoSansArabic-Regular.ttf"),
    ("notoarabic", "B", "NotoSansArabic-Bold.ttf"),
    ("notogurmukhi", "", "NotoSansGurmukhi-Regular.ttf"),
    ("notobengali", "", "NotoSansBengali-Regular.ttf"),
    ("notogujarati", "", "NotoSansGujarati-Regular.ttf"),
    ("droidfallback", "", "DroidSansFallbackFull.ttf"),
    ("symbola", "", "Symbola_hint.ttf"),
)
MAIN, ARABIC = "dejavu", "notoarabic"
# DejaVu has most Arabic letters but not all (no ہ), so an Urdu word would be split between two
# fonts and lose its joining: a string with any Arabic-script letter is set in Noto Sans Arabic.
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
# Invisible formatting characters (variation selectors, joiners, direction marks, tag characters):
# when no font has one, dropping it changes nothing a reader can see.
INVISIBLE = frozenset({0x00AD, 0x061C, 0x180E, *range(0x200B, 0x2010), *range(0x202A, 0x202F),
                       *range(0x2060, 0x2070), 0xFEFF, *range(0xFE00, 0xFE10), *range(0xE0000, 0xE0080),
                       *range(0xE0100, 0xE01F0)})
BOX = "\u25a1"  # □, shown for a character no font has
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")

INK = (31, 41, 51)
GREY = (96, 106, 118)
ACCENT = (29, 53, 87)
RULE = (190, 198, 208)
BODY_PT, SMALL_PT = 10.5, 8.5
DRAFT_LINE = "DRAFT – not for circulation"
DRAFT_INK = (146, 64, 14)
WATERMARK_GREY = (150, 156, 165)
WATERMARK_OPACITY = 0.22  # drawn over the page, so it reads as light grey and the text under it shows through
QUOTE_INDENT = 7
CELL_PADDING = (1.2, 1.8)  # mm, top/bottom and left/right
MM_PER_PX = 25.4 / 96  # a CSS pixel, which vl-convert draws at two PNG pixels (scale=2)
PT_PER_MM = 72 / 25.4
MIN_CHART_PT = 8.0  # no chart text is printed smaller than this
HEADING_FOOT = 25  # mm: no heading starts closer than this to the foot of the text area
LEAST_FILL = 0.25  # a page the layout moves on from is at least this full, where a chart can fill it
ORPHAN_ROWS = 3  # the fewest rows of a table carried on to its last page
# Content-stream operators that put ink on the page: text, an image, a stroked or filled path.
INK_OPERATORS = re.compile(rb"(?:^|\s)(?:Tj|TJ|Do|S|s|f|f\*|B|B\*|b|b\*)(?=\s|$)")


def render(report: report_model.Report, *, creation_date: dt.datetime | None = None, draft: bool = False,
           approved: str = "") -> tuple[bytes, list[str]]:
    """The report as PDF bytes, with warnings (plain sentences) about text that could not be shown as given.

    With creation_date pinned, the same Report gives byte-identical output. Characters no vendored font
    has are shown as □ and named in a warning; a chart whose spec vl-convert rejects is replaced by its
    description and a warning. With draft, every page carries a large diagonal DRAFT and the header and
    footer say it is not for circulation; `approved` (who approved it for publication, and when) is printed
    on the cover under the version.
    """
    pdf = laid_out(report, creation_date=creation_date, draft=draft, approved=approved)
    return bytes(pdf.output()), pdf.warnings()


def laid_out(report: report_model.Report, *, creation_date: dt.datetime | None = None, draft: bool = False,
             approved: str = "") -> ReportPDF:
    """The report drawn on a ReportPDF, not yet written out: render() writes it; tests measure its layout
    (ReportPDF.marks, .placed and .page_fill())."""
    pdf = ReportPDF(report, creation_date=creation_date, draft=draft, approved=approved)
    with pdf.drawing("body"):
        pdf.cover()
        pdf.contents()
        for section in report.sections:
            pdf.section(section)
        pdf.footnotes()
        pdf.glossary()
    return pdf


@functools.cache
def _cmap(name: str) -> frozenset[int]:
    """The code points one vendored font file has glyphs for (read once per process, only when asked)."""
    with TTFont(FONT_DIR / name, lazy=True) as font:
        return frozenset(font.getBestCmap())


@functools.cache
def font_for(point: int) -> str | None:
    """The first font family, in FONTS order, with a glyph for this code point; None when no font has one.

    A report in English only ever reads DejaVu's character map; the big fallback fonts (Chinese,
    emoji) are opened only for a character DejaVu lacks.
    """
    for family, style, name in FONTS:
        if not style and point in _cmap(name):
            return family
    return None


def covered_code_points() -> frozenset[int]:
    """Every code point that at least one vendored font has a glyph for."""
    return frozenset().union(*(_cmap(name) for _family, _style, name in FONTS))


def _needs_shaping(char: str) -> bool:
    """True for characters drawn wrongly without the shaping engine: joining and reordering scripts
    (Hebrew and Arabic to Myanmar), their presentation forms, combining marks and joiners."""
    point = ord(char)
    return (0x0590 <= point <= 0x109F or 0xFB1D <= point <= 0xFEFF or point in (0x200C, 0x200D)
            or (point >= 0x0300 and unicodedata.category(char) in ("Mn", "Mc", "Me")))


@functools.cache
def _register_chart_fonts() -> None:
    """Lets vl-convert draw chart labels in any script the PDF covers (once per process)."""
    vl_convert.register_font_directory(str(FONT_DIR))


def chart_png(spec: str) -> bytes:
    """A Vega-Lite spec drawn as PNG at twice its CSS size; vl-convert raises ValueError for a bad spec."""
    _register_chart_fonts()
    return vl_convert.vegalite_to_png(spec, scale=2)


def _is_right_to_left(text: str) -> bool:
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction == "L":
            return False
        if direction in ("R", "AL"):
            return True
    return False


# fpdf2's bidi pass finds the direction of each neutral character (emoji, punctuation, marks) by recursing
# character by character to the next letter, so a run of about a thousand overflows the stack.
NEUTRAL_RUN = 200
_MARKS = {"L": "\u200e", "R": "\u200f", "AL": "\u200f"}  # left-to-right and right-to-left marks (invisible)


def _break_neutral_runs(text: str) -> str:
    """The text with an invisible direction mark in every run of NEUTRAL_RUN characters that have no direction of
    their own; the mark repeats the last direction seen, so the text reads and orders as before."""
    if len(text) < NEUTRAL_RUN:
        return text
    out, run = [], 0
    mark = _MARKS["R"] if _is_right_to_left(text) else _MARKS["L"]
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("L", "R", "AL", "AN", "EN"):
            run, mark = 0, _MARKS.get(direction, mark)
        elif run + 1 >= NEUTRAL_RUN:
            out.append(mark)
            run = 1
        else:
            run += 1
        out.append(char)
    return "".join(out)


# A figure with words after it ("95% ● Green", "68% (n=22)", "c (n=8)"), and the words a column of figures
# holds where it has none.
_FIGURE_FIRST = re.compile(r"[<>≤≥~]?\s*[-−–]?(?:[\d.,]*\d[\d.,]*\s*%?|c)(?:\s.*)?", re.IGNORECASE | re.DOTALL)
NO_FIGURE = frozenset({"no data", "not asked", "in progress", "n/a", "–", "-", "—", "*"})


def figure_columns(table: report_model.Table) -> list[bool]:
    """Which columns hold figures, to be right-aligned: not the first column (what each row is), not a text column
    (Table.text_columns), and every cell a figure, a figure with words after it, or a word for no figure."""
    count = max([len(table.columns), *map(len, table.rows)], default=0)

    def figures(index: int) -> bool:
        cells = [row[index].strip() for row in table.rows if index < len(row) and row[index].strip()]
        return (any(_FIGURE_FIRST.fullmatch(c) for c in cells)
                and all(_FIGURE_FIRST.fullmatch(c) or c.lower() in NO_FIGURE for c in cells))

    return [index > 0 and index not in table.text_columns and figures(index) for index in range(count)]


def _png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@dataclass(frozen=True)
class Placed:
    """A chart (or a part of one) as placed on a page: the spec drawn, its width in CSS pixels and in mm."""

    section: str
    title: str
    spec: str
    pixels_wide: float
    width: float
    page: int


@dataclass(frozen=True)
class PreparedTable:
    """A table ready to draw: its cleaned title, cells and column widths, its rows' heights as fpdf2 will draw
    them, and how much of it must fit below the title (the heading row and the first two rows)."""

    title: str
    columns: list
    rows: list
    widths: list
    size: float
    right: list
    heading: float
    heights: list
    keep: float


@dataclass(frozen=True)
class Mark:
    """Where drawing of one kind ("heading" or "body") began on a page: y in mm from the top."""

    page: int
    y: float
    kind: str


PAGE_TOTAL = "{feedback-hub-page-total}"
# User text that contains the alias stays as typed: a word joiner (invisible) after the brace stops the swap.
_TYPED_PAGE_TOTAL = "{\u2060" + PAGE_TOTAL[1:]


class ReportPDF(FPDF):
    """An A4 report: cover, contents, one block per section, notes; header and footer after the cover."""

    def __init__(self, report: report_model.Report, *, creation_date: dt.datetime | None = None,
                 draft: bool = False, approved: str = ""):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report = report
        self.draft = draft
        self._missing: dict[str, list[str]] = {}
        self._cleaned: set[tuple[str, str]] = set()
        self._problems: list[str] = []
        # Fonts are added as the text needs them, and the (slow) shaping engine is turned on only for text
        # that needs it: a report in English opens one font and draws in a fraction of the time.
        self._families: set[str] = set()
        self._shaping = False
        # The layout as drawn, for the rules above and their tests.
        self._kind: str | None = None  # what is being drawn now; None for the page furniture
        self.marks: list[Mark] = []
        self.page_ends: dict[int, float] = {}  # page -> y where its content ended
        self.placed: list[Placed] = []
        self.first_body_page = 0
        self._prepared: dict[tuple, PreparedTable] = {}
        self._load_family(MAIN)
        self.set_margins(20, 26, 20)
        self.set_auto_page_break(True, margin=22)
        # fpdf2 swaps its page-total alias everywhere in the page text, user text included: use one nobody types.
        self.alias_nb_pages(PAGE_TOTAL)
        self.set_title(report.title)
        self.set_subject(report.period_label)
        self.set_author(report.service)
        self.set_creator("Fostering Feedback Hub")
        self.set_lang("en-GB")
        if creation_date is not None:
            self.set_creation_date(creation_date)
        # Cleaned once, because the header and footer draw them on every page.
        self.marking = self.clean(report.marking, "Protective marking")
        self.running_title = self.clean(" · ".join(
            part for part in (report.service, report.title, report.period_label) if part), "Page header")
        self.approved = self.clean(approved, "Cover") if approved else ""

    # Text ---------------------------------------------------------------------------------------

    def clean(self, text: str, part: str, section: str = "") -> str:
        """The text ready to draw: NFC, tabs as spaces, □ for each character no font has (noted for a warning).

        Long runs of emoji or punctuation get an invisible direction mark (see NEUTRAL_RUN), and the page-total
        alias typed by someone is kept as typed.
        """
        text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
        if ARABIC_SCRIPT.search(text):
            self._load_family(ARABIC)  # use_font sets such text in Noto Sans Arabic
        kept, missing = [], []
        for char in text:
            point = ord(char)
            family = None if char == "\n" else font_for(point)
            if char == "\n" or family:
                kept.append(char)
                if family not in self._families and family:
                    self._load_family(family)
                if not self._shaping and point > 0x02FF and _needs_shaping(char):
                    self._shaping = True
                    self.set_text_shaping(True)
            elif point in INVISIBLE or unicodedata.category(char) == "Cc":
                continue
            else:
                kept.append(BOX)
                missing.append(char)
        where = f'{part} in "{section}"' if section else part
        if missing and (where, text) not in self._cleaned:  # the same text met twice is reported once
            self._missing.setdefault(where, []).extend(missing)
            self._cleaned.add((where, text))
        return _break_neutral_runs("".join(kept).replace(PAGE_TOTAL, _TYPED_PAGE_TOTAL))

    def _load_family(self, family: str) -> None:
        """Add a vendored font family (every style of it) and put it among the fallbacks, in FONTS order."""
        if family in self._families:
            return
        for name_family, style, name in FONTS:
            if name_family == family:
                self.add_font(family, style, FONT_DIR / name)
        self._families.add(family)
        fallbacks = [f for f, s, _ in FONTS if not s and f != MAIN and f in self._families]
        self.set_fallback_fonts(fallbacks + [MAIN], exact_match=False)

    def warnings(self) -> list[str]:
        """Plain sentences about what could not be shown as given, in the order it was met."""
        sentences = []
        for where, chars in self._missing.items():
            distinct = list(dict.fromkeys(chars))
            listed = " ".join(f"U+{ord(c):04X}" for c in distinct[:3]) + (" …" if len(distinct) > 3 else "")
            count = len(chars)
            if count == 1:
                sentences.append(f"{where}: 1 character no font has ({listed}) was shown as {BOX}.")
            else:
                sentences.append(f"{where}: {count} characters no font has ({listed}) were shown as {BOX}.")
        return sentences + self._problems

    # Layout records -----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def drawing(self, kind: str | None):
        """Marks what is drawn inside as a heading, body or (None) page furniture."""
        before, self._kind = self._kind, kind
        try:
            yield
        finally:
            self._kind = before

    def _out(self, s) -> None:
        super()._out(s)
        if self._kind and INK_OPERATORS.search(s if isinstance(s, bytes) else str(s).encode("latin-1", "replace")):
            if not self.marks or (self.marks[-1].page, self.marks[-1].kind) != (self.page, self._kind):
                self.marks.append(Mark(self.page, self.y, self._kind))

    def add_page(self, *args, **kwargs) -> None:
        if self.page:
            self.page_ends[self.page] = max(self.page_ends.get(self.page, 0.0), self.y)
        super().add_page(*args, **kwargs)

    def page_fill(self) -> dict[int, float]:
        """How full each page after the contents is (0 to 1 of the text area), the last one as it stands now."""
        ends = {**self.page_ends, self.page: max(self.page_ends.get(self.page, 0.0), self.y)}
        return {page: max(0.0, ends.get(page, self.t_margin) - self.t_margin) / self.eph
                for page in range(self.first_body_page, self.page + 1)}

    def room(self) -> float:
        """The height left on this page, in mm."""
        return self.page_break_trigger - self.get_y()

    def use_font(self, text: str, style: str = "", size: float = BODY_PT) -> None:
        self.set_font(ARABIC if ARABIC_SCRIPT.search(text) else MAIN, style, size)

    def paragraph(self, text: str, *, size: float = BODY_PT, style: str = "", colour=INK,
                  indent: float = 0.0, after: float = 2.0, align: str | None = None) -> None:
        """Cleaned text as a wrapped block, right-aligned (and indented from the right) when it starts in a
        right-to-left script."""
        right_to_left = _is_right_to_left(text) if align is None else align == "R"
        self.use_font(text, style, size)
        self.set_text_color(*colour)
        self.set_x(self.l_margin + (0 if right_to_left else indent))
        self.multi_cell(self.epw - indent, size * 0.5, text, align="R" if right_to_left else "L",
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(after)

    def height_of(self, text: str, width: float, *, size: float = BODY_PT, style: str = "") -> float:
        self.use_font(text, style, size)
        return len(self.multi_cell(width, size * 0.5, text, dry_run=True, output="LINES")) * size * 0.5

    def fitted_line(self, text: str, *, size: float, style: str = "", align: str = "C") -> None:
        """One line across the text width, in a smaller size (down to 6 pt) if it would not fit."""
        self.use_font(text, style, size)
        while self.get_string_width(text) > self.epw and size > 6:
            size -= 0.5
            self.use_font(text, style, size)
        self.cell(self.epw, size * 0.5, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def rule(self, y: float, colour=RULE, width: float = 0.2) -> None:
        self.set_draw_color(*colour)
        self.set_line_width(width)
        self.line(self.l_margin, y, self.w - self.r_margin, y)

    # Page furniture -----------------------------------------------------------------------------

    def header(self) -> None:
        with self.drawing(None):
            self._header()

    def footer(self) -> None:
        with self.drawing(None):
            self._footer()

    def _header(self) -> None:
        if self.page == 1:
            return
        self.set_y(9)
        self.set_text_color(*INK)
        self.fitted_line(self.marking, size=9, style="B")
        self.set_text_color(*GREY)
        self.fitted_line(self.running_title, size=8)
        if self.draft:
            self.set_text_color(*DRAFT_INK)
            self.fitted_line(DRAFT_LINE, size=8, style="B")
        self.rule(self.get_y() + 1.5)
        self.set_y(self.t_margin)

    def _footer(self) -> None:
        if self.draft:
            self.watermark()
        if self.page == 1:
            return
        self.rule(self.h - 16)
        self.set_y(-14)
        self.set_text_color(*INK)
        self.fitted_line(self.marking, size=9, style="B")
        self.set_y(-14)
        self.set_text_color(*GREY)
        self.set_font(MAIN, "", 8)
        self.cell(self.epw, 4.5, f"Page {self.page_no()} of {PAGE_TOTAL}", align="R")
        if self.draft:
            self.set_x(self.l_margin)
            self.set_text_color(*DRAFT_INK)
            self.set_font(MAIN, "B", 8)
            self.cell(self.epw, 4.5, DRAFT_LINE, align="L")

    def watermark(self) -> None:
        """A large diagonal DRAFT across the page, drawn last and see-through, so no table or chart hides it."""
        with self.local_context(fill_opacity=WATERMARK_OPACITY):
            self.set_font(MAIN, "B", 120)
            self.set_text_color(*WATERMARK_GREY)
            width = self.get_string_width("DRAFT")
            middle_x, middle_y = self.w / 2, self.h / 2
            with self.rotation(angle=math.degrees(math.atan2(self.h, self.w)), x=middle_x, y=middle_y):
                self.text(middle_x - width / 2, middle_y + 120 * 0.3528 * 0.35, "DRAFT")

    # Parts ------------------------------------------------------------------------------------------

    def cover(self) -> None:
        """Page 1: the marking at top and bottom, service, title, period, version and when the data was read."""
        report = self.report
        self.add_page()
        self.set_auto_page_break(False)
        for y in (14, self.h - 22):
            self.set_y(y)
            self.set_text_color(*INK)
            self.fitted_line(self.marking, size=15, style="B")
        self.set_y(70)
        self.paragraph(self.clean(report.service, "Cover"), size=14, colour=GREY, after=4)
        self.paragraph(self.clean(report.title, "Cover"), size=28, style="B", colour=ACCENT, after=3)
        self.paragraph(self.clean(report.period_label, "Cover"), size=16, colour=INK, after=10)
        self.rule(self.get_y(), colour=ACCENT, width=0.6)
        self.ln(6)
        if report.version is None:
            self.set_fill_color(254, 243, 199)
            self.set_text_color(146, 64, 14)
            self.set_font(MAIN, "B", 13)
            self.cell(self.get_string_width("Draft (not published)") + 8, 9, "Draft (not published)",
                      align="C", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(4)
        else:
            self.paragraph(f"Version {report.version}", size=13, style="B", after=3)
        if self.approved:
            self.paragraph(self.approved, size=11, colour=GREY, after=1.5)
        if self.draft:
            self.paragraph(DRAFT_LINE, size=11, style="B", colour=DRAFT_INK, after=3)
        self.paragraph(self.clean(f"Data as of {dates.moment(report.as_of, zone=True)}", "Cover"), size=11, colour=GREY,
                       after=1.5)
        if report.previous_label:
            self.paragraph(self.clean(f"Compared with {report.previous_label}", "Cover"), size=11, colour=GREY)
        self.set_auto_page_break(True, margin=22)

    def contents(self) -> None:
        """Reserves the contents page(s); fpdf2 calls render_contents with the page numbers at the end."""
        self.add_page()
        entries = [self.clean(s.title, "Heading", s.title) for s in self.report.sections]
        lines = (sum(self.height_of(t, self.epw - 20, size=11) / 5.5 for t in entries) + bool(self.report.footnotes)
                 + 1)  # the glossary
        per_page = math.floor((self.h - self.t_margin - 22 - 20) / 8)
        self.insert_toc_placeholder(ReportPDF.render_contents, pages=max(1, math.ceil(lines / per_page)))
        self.first_body_page = self.page

    def render_contents(self, outline) -> None:
        self.set_x(self.l_margin)
        self.set_text_color(*ACCENT)
        self.set_font(MAIN, "B", 18)
        self.cell(self.epw, 10, "Contents", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)
        number_width = 14
        for item in outline:
            link = self.add_link(page=item.page_number)
            self.set_text_color(*INK)
            self.use_font(item.name, "", 11)
            text_width = self.epw - number_width - 6
            self.multi_cell(text_width, 5.5, item.name, link=link, align="L",
                            new_x=XPos.LMARGIN, new_y=YPos.LAST)
            last_line = self.multi_cell(text_width, 5.5, item.name, dry_run=True, output="LINES")[-1]
            end = self.l_margin + min(self.get_string_width(last_line), text_width)
            baseline = self.get_y() + 4.2
            self.set_draw_color(*RULE)
            self.set_line_width(0.3)
            self.set_dash_pattern(dash=0.3, gap=1.2)
            self.line(end + 2, baseline, self.w - self.r_margin - number_width, baseline)
            self.set_dash_pattern()
            self.set_xy(self.w - self.r_margin - number_width, self.get_y())
            self.set_font(MAIN, "", 11)
            self.cell(number_width, 5.5, str(item.page_number), align="R", link=link,
                      new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(2.5)

    # Keeping things together ------------------------------------------------------------------------

    def lines_height(self, text: str, width: float, *, lines: int, size: float = BODY_PT, style: str = "") -> float:
        """The height of a text's first `lines` lines (all of it when shorter)."""
        self.use_font(text, style, size)
        found = len(self.multi_cell(width, size * 0.5, text, dry_run=True, output="LINES")) if text else 0
        return min(found, lines) * size * 0.5

    def heading_height(self, title: str, size: float = 16) -> float:
        return self.height_of(title, self.epw, size=size, style="B") + 5.5  # the rule and the space under it

    def first_lines(self, section: report_model.Section) -> float:
        """The height of the start of a section's body: what its heading must fit on the page with."""
        name = section.title
        if section.summary:
            return self.lines_height(self.clean(section.summary[0], "Summary", name), self.epw - 6, lines=2)
        blocks = [b for b in re.split(r"\n\s*\n", section.narrative.strip()) if b.strip()]
        if blocks:
            return self.lines_height(self.clean(blocks[0].strip(), "Narrative", name), self.epw, lines=2)
        if section.empty:
            return self.lines_height(self.clean(section.empty, "Note", name), self.epw, lines=2)
        if section.tables:
            return self.prepared(section.tables[0], name).keep
        if section.charts:
            return 60.0  # a chart is cut to fill the page where it can (see chart_block)
        if section.quotes:
            return 10 + min(self.quote_height(self.clean(section.quotes[0].text, "Quote", name), ""), 40)
        return 0.0

    def heading(self, title: str, *, then: float = 12.0) -> None:
        """A section heading (cleaned), on the page with the first `then` mm of what follows it and never in the
        bottom HEADING_FOOT mm of a page, and listed in the contents."""
        space = 6 if self.get_y() > self.t_margin + 1 else 0
        if self.will_page_break(space + max(self.heading_height(title) + then, HEADING_FOOT)):
            self.add_page()
        elif space:
            self.ln(space)
        with self.drawing("heading"):
            self.start_section(title)
            self.paragraph(title, size=16, style="B", colour=ACCENT, after=1, align="L")
            self.rule(self.get_y() + 0.5, colour=ACCENT, width=0.4)
            self.ln(4)

    def section(self, section: report_model.Section) -> None:
        """Heading, summary bullets, narrative, tables and charts (or the empty note), then quotes."""
        name = section.title
        self.heading(self.clean(name, "Heading", name), then=self.first_lines(section))
        for sentence in section.summary:
            self.bullet(self.clean(sentence, "Summary", name))
        if section.summary:
            self.ln(2)
        for block in re.split(r"\n\s*\n", section.narrative.strip()):
            if block.strip():
                self.paragraph(self.clean(block.strip(), "Narrative", name), after=3)
        if section.empty:
            self.paragraph(self.clean(section.empty, "Note", name), colour=GREY, after=4)
        else:
            for table in section.tables:
                self.table_block(table, name)
            for chart in section.charts:
                self.chart_block(chart, name)
        if section.quotes:
            quotes = [(self.clean(q.text, "Quote", name), self.clean(q.source, "Quote source", name))
                      for q in section.quotes]
            self.caption("What people said", keep=10 + min(self.quote_height(*quotes[0]), 80))
            for text, source in quotes:
                self.quote_block(text, source)

    def bullet(self, text: str) -> None:
        """A summary sentence behind a bullet, which sits on the right of a right-to-left sentence."""
        line = BODY_PT * 0.5
        if self.will_page_break(line):
            self.add_page()
        right_to_left = _is_right_to_left(text)
        top = self.get_y()
        self.use_font(text, "", BODY_PT)
        self.set_text_color(*INK)
        self.set_x(self.w - self.r_margin - 4.5 if right_to_left else self.l_margin + 1.5)
        self.cell(4.5, line, "•", align="R" if right_to_left else "L")
        self.set_xy(self.l_margin + (0 if right_to_left else 6), top)
        self.multi_cell(self.epw - 6, line, text, align="R" if right_to_left else "L",
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.2)

    def caption_height(self, title: str) -> float:
        return self.height_of(title, self.epw, size=11, style="B") + 1.5 if title else 0.0

    def caption(self, title: str, *, keep: float = 25) -> None:
        """A block's bold title (cleaned), moved to the next page with the block when it would be left alone:
        keep is the height of the title and the start of its block."""
        if self.will_page_break(max(keep, HEADING_FOOT)):
            self.add_page()
        with self.drawing("heading"):
            self.paragraph(title, size=11, style="B", colour=ACCENT, after=1.5, align="L")

    # Tables -----------------------------------------------------------------------------------------

    def prepared(self, table: report_model.Table, section: str) -> PreparedTable:
        """The table ready to draw (worked out once: a section's heading asks for its first table's)."""
        if (id(table), section) not in self._prepared:
            self._prepared[(id(table), section)] = self._prepare(table, section)
        return self._prepared[(id(table), section)]

    def _prepare(self, table: report_model.Table, section: str) -> PreparedTable:
        columns = [self.clean(c, "Table", section) for c in table.columns]
        rows = [[self.clean(c, "Table", section) for c in row] for row in table.rows]
        count = max([len(columns), *map(len, rows)])
        columns += [""] * (count - len(columns))
        rows = [row + [""] * (count - len(row)) for row in rows]
        title = self.clean(table.title, "Table title", section) if table.title else ""
        size = 9 if count <= 6 else 8
        widths = self.column_widths(columns, rows, size=size)
        where = f'table "{table.title}" in "{section}"' if table.title else f'a table in "{section}"'
        rows = [[self.fitted_cell(value, width, size=size, where=where) for value, width in zip(row, widths)]
                for row in rows]
        heading = self.row_height(columns, widths, size=size, style="B")
        heights = [self.row_height(row, widths, size=size) for row in rows]
        return PreparedTable(title, columns, rows, widths, size, figure_columns(table), heading, heights,
                             self.caption_height(title) + heading + sum(heights[:2]) + 1)

    def row_height(self, values: list[str], widths: list[float], *, size: float, style: str = "") -> float:
        """A table row's height as fpdf2 draws it: its tallest cell's lines and the cell padding."""
        tallest = 1
        for value, width in zip(values, widths):
            if value:
                self.use_font(value, style, size)
                tallest = max(tallest, self.cell_lines(value, width - 2 * CELL_PADDING[1]) or len(self.multi_cell(
                    width, size * 0.5, value, padding=CELL_PADDING, dry_run=True, output="LINES")))
        return tallest * size * 0.5 + 2 * CELL_PADDING[0]

    def cell_lines(self, text: str, room: float) -> int:
        """The lines fpdf2 wraps plain text into, in the current font, at `room` mm (breaking at spaces), counted
        from the font's character widths: some fifty times faster than fpdf2's dry run, and the same count for
        every cell of the demo reports. 0 where that count could differ (text to shape, a character from a
        fallback font, a word wider than the room), so the caller asks fpdf2."""
        if self._shaping or self.font_family != MAIN or any(font_for(ord(c)) != MAIN for c in text if c != "\n"):
            return 0
        widths, scale = self.current_font.cw, self.font_size_pt * 0.001 / self.k
        space, count = widths[32] * scale, 0
        for paragraph in text.split("\n"):
            line = None
            count += 1
            for word in paragraph.split(" "):
                wide = sum(widths[ord(c)] for c in word) * scale
                if wide > room:
                    return 0
                if line is None:
                    line = wide
                elif line + space + wide <= room + 1e-9:
                    line += space + wide
                else:
                    count += 1
                    line = wide
        return count

    def table_block(self, table: report_model.Table, section: str) -> None:
        """A titled table, kept with its heading row and first rows; the heading row is bold and repeated on
        each page the table runs on to; figures are right-aligned (figure_columns). No page carries fewer than
        ORPHAN_ROWS of its rows on to its last page: a short table goes over whole, a long one ends its page early."""
        ready = self.prepared(table, section)
        keep = ready.keep
        pages = self.pagination(ready, self.get_y() + self.caption_height(ready.title))
        if len(pages) == 2 and len(pages[1]) < ORPHAN_ROWS and len(pages[0]) < 2 * ORPHAN_ROWS:
            keep = self.eph  # a few rows, then a few more over the page: all of it on the next page instead
        if ready.title:
            self.caption(ready.title, keep=keep)
        elif self.will_page_break(keep):
            self.add_page()
        cut = self.orphan_cut(ready)
        if cut:
            self.grid(ready, ready.rows[:cut])
            self.add_page()
        self.grid(ready, ready.rows[cut:])
        self.ln(1.5)
        if table.note:
            self.paragraph(self.clean(table.note, "Table note", section), size=SMALL_PT, colour=GREY)
        self.ln(3)

    def grid(self, ready: PreparedTable, rows: list[list[str]]) -> None:
        """The heading row and these rows as one fpdf2 table, breaking (and repeating the heading) as it must."""
        self.set_font(MAIN, "", ready.size)
        self.set_text_color(*INK)
        self.set_fill_color(255, 255, 255)  # fpdf2 fills the unstriped rows with the current fill colour
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        with self.table(width=min(sum(ready.widths), self.epw), col_widths=ready.widths, align="LEFT",
                        line_height=ready.size * 0.5, text_align=tuple("RIGHT" if r else "LEFT" for r in ready.right),
                        headings_style=FontFace(emphasis="BOLD", fill_color=(226, 232, 240), color=INK),
                        borders_layout="HORIZONTAL_LINES", cell_fill_color=(246, 248, 250),
                        cell_fill_mode="ROWS", padding=CELL_PADDING, v_align="TOP", repeat_headings=1) as grid:
            for values in [ready.columns, *rows]:
                row = grid.row()
                for value in values:
                    row.cell(value, style=FontFace(family=ARABIC) if ARABIC_SCRIPT.search(value) else None)

    def pagination(self, ready: PreparedTable, top: float) -> list[list[int]]:
        """The rows fpdf2 will put on each page, for the table's heading row starting at `top` mm: it breaks
        before a row that does not fit, and repeats the heading row on the new page."""
        pages, y = [[]], top + ready.heading
        for index, height in enumerate(ready.heights):
            if y + height > self.page_break_trigger and pages[-1]:
                pages.append([])
                y = self.t_margin + ready.heading
            pages[-1].append(index)
            y += height
        return pages

    def orphan_cut(self, ready: PreparedTable) -> int:
        """The row to start a new page at, ahead of where fpdf2 would, so that the table's last page holds at least
        ORPHAN_ROWS rows; 0 when its pages break well as they are. An even cut keeps the stripes in step."""
        pages = self.pagination(ready, self.get_y())
        if len(pages) < 2 or len(pages[-1]) >= ORPHAN_ROWS or len(pages[-2]) < 2 * ORPHAN_ROWS:
            return 0
        cut = pages[-1][0] - (ORPHAN_ROWS - len(pages[-1]))
        return cut - cut % 2

    def fitted_cell(self, text: str, width: float, *, size: float, where: str) -> str:
        """A table cell's text, cut short with a warning when it would be taller than a page: fpdf2 cannot split
        a table row across pages, and refuses the whole PDF instead."""
        most = int((self.eph - 30) / (size * 0.5))  # lines that fit on a page below a repeated heading row
        if not text or len(text) < most:
            return text
        self.use_font(text, "", size)
        lines = self.multi_cell(width, size * 0.5, text, padding=CELL_PADDING, dry_run=True, output="LINES")
        if len(lines) <= most:
            return text
        problem = (f"Text in {where} is too long for one page: the PDF shows its first {most - 1} lines, the "
                   "workbook all of it.")
        if problem not in self._problems:  # once per table
            self._problems.append(problem)
        return "\n".join(lines[:most - 1]) + "\n…"

    def column_widths(self, columns: list[str], rows: list[list[str]], *, size: float) -> list[float]:
        """Widths in mm. Headings on one line if everything fits; else headings wrap between words; else
        every column shrinks in proportion to its natural width but keeps room for its longest word."""
        spare = 2 * CELL_PADDING[1] + 1.0  # fpdf2 uses the padding instead of c_margin

        def measure(text: str, style: str, pieces) -> float:
            self.use_font(text, style, size)
            return max((self.get_string_width(piece) for piece in pieces(text)), default=0.0)

        def lines(text):
            return text.splitlines()

        def words(text):
            return text.split()

        body = [[row[i] for row in rows] for i in range(len(columns))]
        body_line = [max([measure(c, "", lines) for c in cells], default=0.0) for cells in body]
        body_word = [max([measure(c, "", words) for c in cells], default=0.0) for cells in body]
        head_line = [measure(c, "B", lines) for c in columns]
        head_word = [measure(c, "B", words) for c in columns]
        one_line = [max(h, b, 8.0) + spare for h, b in zip(head_line, body_line)]
        if sum(one_line) <= self.epw:
            return one_line
        natural = [max(h, b, 8.0) + spare for h, b in zip(head_word, body_line)]
        if sum(natural) <= self.epw:
            return natural
        least = [min(max(h, b, 8.0), 45.0) + spare for h, b in zip(head_word, body_word)]
        if sum(least) >= self.epw:
            return [w * self.epw / sum(least) for w in least]
        low, high = 0.0, 1.0  # find the shrink factor that fills the width exactly
        for _ in range(40):
            factor = (low + high) / 2
            if sum(max(m, n * factor) for m, n in zip(least, natural)) > self.epw:
                high = factor
            else:
                low = factor
        widths = [max(m, n * low) for m, n in zip(least, natural)]
        return [w * self.epw / sum(widths) for w in widths]

    # Charts -----------------------------------------------------------------------------------------

    def chart_block(self, chart: report_model.Chart, section: str) -> None:
        """A chart as a PNG at its natural size, never so small that its text is under MIN_CHART_PT, with its
        description under it.

        A chart too tall for the page, or one that would leave this page under a quarter full, is cut between
        rows of its data (charts.pieces) into parts that fill the pages, each part titled "(continued)" after
        the first; a chart that cannot be cut starts a new page. The description and note stay on the page of
        the chart (or its last part).
        """
        title = self.clean(chart.title, "Chart title", section)
        description = self.clean(chart.alt, "Chart description", section) if chart.alt else ""
        values, columns = charts.pieces(chart.spec)
        cuttable = len(values) > columns
        # A chart that may be cut is planned from its expected height and drawn as it is placed, whole or in parts.
        expected = charts.estimated_height(chart.spec) if cuttable else None
        try:
            png = b"" if expected else chart_png(chart.spec)
            pixels_wide, pixels_high = (charts.PRINT_WIDTH, expected) if expected else (n / 2 for n in _png_size(png))
        except ValueError as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else "no detail"
            self._problems.append(f'Chart "{chart.title}" in "{section}" could not be drawn ({first_line[:120]}); '
                                  "its description is shown instead.")
            if title:
                self.caption(title)
            self.paragraph(description or "This chart could not be drawn.", size=SMALL_PT, colour=GREY, after=4)
            return
        # A scale is mm on the page per mm at the chart's natural size (a CSS pixel is 1/96 inch): the chart is
        # printed at its natural size, or larger if that is what makes its smallest text MIN_CHART_PT.
        least = MIN_CHART_PT / (charts.smallest_font(chart.spec) * MM_PER_PX * PT_PER_MM)
        scale = min(max(1.0, least), self.epw / (pixels_wide * MM_PER_PX))
        note = self.clean(chart.note, "Chart note", section) if chart.note else ""
        below = sum(self.height_of(text, self.epw, size=SMALL_PT) + 1 for text in (description, note) if text) + 1.5
        head = self.caption_height(title) + 1.5
        page = self.eph - self.caption_height(f"{title} (continued)") - 1.5  # the most a part can have on a page

        def to_cut(high: float) -> bool:  # high: the chart's height in CSS px
            smallest = high * MM_PER_PX * min(scale, least)  # shrunk as far as its text allows
            return cuttable and (smallest > page - below or (smallest > self.room() - head - below
                                                             and self.fill() < LEAST_FILL))

        if not to_cut(pixels_high) and not png:
            png = chart_png(chart.spec)  # as expected, it is placed whole: drawn now, at its true size
            pixels_wide, pixels_high = (n / 2 for n in _png_size(png))
            scale = min(max(1.0, least), self.epw / (pixels_wide * MM_PER_PX))
        height = pixels_high * MM_PER_PX * scale
        if to_cut(pixels_high):
            try:
                self.chart_parts(chart, section, title, values, columns, scale=scale, least=least, full=height,
                                 below=below)
            except ValueError as error:  # vl-convert refused a part
                self._problems.append(f'Chart "{chart.title}" in "{section}" could not be drawn in full '
                                      f"({str(error).strip()[:120]}); its description is shown.")
        else:
            # Shrunk a little (as far as its text allows) to fit here with its description.
            fits = min(scale, max(least, scale * (self.room() - head - below) / height))
            if pixels_high * MM_PER_PX * fits > self.room() - head - below:
                if self.get_y() > self.t_margin + 1:
                    self.add_page()
                fits = min(scale, scale * (page - below) / height)
                if fits < least:
                    self._problems.append(f'Chart "{chart.title}" in "{section}" is too tall for a page: its '
                                          f"smallest text prints at {MIN_CHART_PT * fits / least:.1f} pt.")
            if title:
                self.caption(title, keep=0)
            self.place(png, chart.spec, chart, section, scale=fits)
        if description:
            self.paragraph(description, size=SMALL_PT, colour=GREY, after=1)
        if note:
            self.paragraph(note, size=SMALL_PT, colour=GREY, after=1)
        self.ln(4)

    def chart_parts(self, chart: report_model.Chart, section: str, title: str, values: list, columns: int, *,
                    scale: float, least: float, full: float, below: float) -> None:
        """The chart in parts, each a whole number of its rows, filling this page (if it is worth it) and the next."""
        rows = math.ceil(len(values) / columns)
        # A part's height is the legend, axis and titles every part has (fixed) and its rows: at first as the
        # chart expects them (or the whole height a row, so too few rows rather than too many), then from the parts
        # drawn.
        sizes = charts.split_sizes(chart.spec)
        fixed, per_row = (n * MM_PER_PX * scale for n in sizes) if sizes else (0.0, full / rows)
        start, first = 0, True
        while start < len(values):
            name = title if first else f"{title} (continued)"
            head = self.caption_height(name) + 1.5
            left = math.ceil((len(values) - start) / columns)
            fit = math.floor((self.room() - head - fixed) / per_row * 0.98)
            if fit >= left:  # the last part: its description comes under it
                fit = math.floor((self.room() - head - fixed - below) / per_row * 0.98)
            if fit < min(2, left) and self.get_y() > self.t_margin + 1:
                self.add_page()
                continue
            take = max(1, min(fit, left))
            if left - take == 1 and take > 2:
                take -= 1  # no part of one row on its own
            while True:
                spec = charts.part(chart.spec, values[start:start + take * columns])
                png = chart_png(spec)
                high = _png_size(png)[1] / 2 * MM_PER_PX
                fits = min(scale, (self.room() - head - (below if take == left else 0)) / high)
                if fits >= least or take == 1:
                    break
                take -= 1
            if name:
                self.caption(name, keep=0)
            self.place(png, spec, chart, section, scale=fits)
            if take < rows:
                per_row = max(per_row * 0.5, (full - high * scale) / (rows - take))
                fixed = max(0.0, high * scale - take * per_row)
            start += take * columns
            first = False
            if start < len(values):
                self.add_page()

    def place(self, png: bytes, spec: str, chart: report_model.Chart, section: str, *, scale: float) -> None:
        """The PNG at the left margin, `scale` times its natural size, recorded in self.placed."""
        pixels_wide, pixels_high = (n / 2 for n in _png_size(png))
        width, height = pixels_wide * MM_PER_PX * scale, pixels_high * MM_PER_PX * scale
        self.image(io.BytesIO(png), x=self.l_margin, y=self.get_y(), w=width, h=height,
                   alt_text=chart.alt or chart.title)
        self.placed.append(Placed(section, chart.title, spec, pixels_wide, width, self.page))
        self.set_y(self.get_y() + height + 1.5)

    def fill(self) -> float:
        """How full this page is, 0 to 1 of the text area."""
        return (self.get_y() - self.t_margin) / self.eph

    def quote_height(self, text: str, source: str) -> float:
        height = self.height_of(text, self.epw - QUOTE_INDENT) + 1
        if source:
            height += self.height_of(f"— {source}", self.epw - QUOTE_INDENT, size=SMALL_PT)
        return height

    def quote_block(self, text: str, source: str) -> None:
        """A quote (cleaned) beside a bar, with its source line under it; kept on one page when it fits."""
        height = self.quote_height(text, source)
        if height < self.eph - 10 and self.will_page_break(height + 2):
            self.add_page()
        top, page = self.get_y(), self.page
        align = "R" if _is_right_to_left(text) else "L"  # the bar and source line follow the quote's side
        self.paragraph(text, colour=(55, 65, 81), indent=QUOTE_INDENT, after=1, align=align)
        if source:
            self.paragraph(f"— {source}", size=SMALL_PT, colour=GREY, indent=QUOTE_INDENT, after=0, align=align)
        if self.page == page:
            bar = self.l_margin + 2.5 if align == "L" else self.w - self.r_margin - 2.5
            self.set_draw_color(*ACCENT)
            self.set_line_width(0.8)
            self.line(bar, top, bar, self.get_y())
        self.ln(5)

    def footnotes(self) -> None:
        """The report's footnotes, numbered, under their own heading after the last section."""
        if not self.report.footnotes:
            return
        notes = [f"{number}. {self.clean(note, 'Footnote')}" for number, note in enumerate(self.report.footnotes, 1)]
        self.heading("Notes", then=self.lines_height(notes[0], self.epw, lines=2, size=9))
        for note in notes:
            self.paragraph(note, size=9, colour=INK, after=1.5)

    def glossary(self) -> None:
        """The words and marks the report uses, in plain English (glossary.TERMS), as the last part."""
        table = report_model.Table("", ("Term", "What it means"), report_glossary.TERMS, text_columns=(0, 1))
        self.heading("Glossary", then=self.prepared(table, "Glossary").keep)
        self.table_block(table, "Glossary")


def missing_glyphs(report: report_model.Report) -> list[str]:
    """Warnings for the preview: text in the report that no vendored font can draw (it would print as □)."""
    warnings = []
    for section in report.sections:
        texts = [section.title, section.narrative, *section.summary, *(q.text for q in section.quotes),
                 *(q.source for q in section.quotes),
                 *(cell for table in section.tables for row in table.rows for cell in row)]
        missing = sorted({ch for text in texts for ch in text
                          if font_for(ord(ch)) is None and not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc")})
        if missing:
            shown = " ".join(f"U+{ord(ch):04X}" for ch in missing[:8])
            warnings.append(f"“{section.title}”: {len(missing)} character(s) no font has ({shown}) will print as □.")
    return warnings

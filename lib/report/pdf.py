"""The feedback report as a PDF: one report_model.Report in, PDF bytes and warnings out.

The layout is an fpdf2 subclass, ReportPDF, with a header, a footer and one method per part. Every
font is vendored under data/fonts (see its README.md), so nothing is downloaded when a PDF is made:
DejaVu Sans for the text, Noto Sans Arabic, Gurmukhi, Bengali and Gujarati, Droid Sans Fallback for
Chinese, and Symbola for emoji. Charts are the reports' own Vega-Lite specs drawn by vl-convert.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import re
import struct
import unicodedata
from pathlib import Path

import vl_convert
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from lib import dates
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


def render(report: report_model.Report, *, creation_date: dt.datetime | None = None, draft: bool = False,
           approved: str = "") -> tuple[bytes, list[str]]:
    """The report as PDF bytes, with warnings (plain sentences) about text that could not be shown as given.

    With creation_date pinned, the same Report gives byte-identical output. Characters no vendored font
    has are shown as □ and named in a warning; a chart whose spec vl-convert rejects is replaced by its
    description and a warning. With draft, every page carries a large diagonal DRAFT and the header and
    footer say it is not for circulation; `approved` (who approved it for publication, and when) is printed
    on the cover under the version.
    """
    pdf = ReportPDF(report, creation_date=creation_date, draft=draft, approved=approved)
    pdf.cover()
    pdf.contents()
    for section in report.sections:
        pdf.section(section)
    pdf.footnotes()
    return bytes(pdf.output()), pdf.warnings()


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


def _is_number(text: str) -> bool:
    # "c" is a suppressed count: it sits in a column of numbers and aligns with them
    return bool(re.fullmatch(r"[<>≤≥~]?\s*[-−–]?[\d.,]+\s*%?|[-–—*]|n/a|c", text.strip(), re.IGNORECASE))


def _png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])
    return width, height


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

    def footer(self) -> None:
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
        lines = sum(self.height_of(t, self.epw - 20, size=11) / 5.5 for t in entries) + bool(self.report.footnotes)
        per_page = math.floor((self.h - self.t_margin - 22 - 20) / 8)
        self.insert_toc_placeholder(ReportPDF.render_contents, pages=max(1, math.ceil(lines / per_page)))

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

    def heading(self, title: str) -> None:
        """A section heading (cleaned), kept with the start of what follows it, and listed in the contents."""
        if self.will_page_break(45):
            self.add_page()
        elif self.get_y() > self.t_margin + 1:
            self.ln(6)
        self.start_section(title)
        self.paragraph(title, size=16, style="B", colour=ACCENT, after=1, align="L")
        self.rule(self.get_y() + 0.5, colour=ACCENT, width=0.4)
        self.ln(4)

    def section(self, section: report_model.Section) -> None:
        """Heading, summary bullets, narrative, tables and charts (or the empty note), then quotes."""
        name = section.title
        self.heading(self.clean(name, "Heading", name))
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

    def caption(self, title: str, *, keep: float = 25) -> None:
        """A block's bold title (cleaned), moved to the next page with the block when it would be left alone."""
        if self.will_page_break(keep):
            self.add_page()
        self.paragraph(title, size=11, style="B", colour=ACCENT, after=1.5, align="L")

    def table_block(self, table: report_model.Table, section: str) -> None:
        """A titled table; the header row is bold and repeated on each page the table runs on to."""
        columns = [self.clean(c, "Table", section) for c in table.columns]
        rows = [[self.clean(c, "Table", section) for c in row] for row in table.rows]
        count = max([len(columns), *map(len, rows)])
        columns += [""] * (count - len(columns))
        rows = [row + [""] * (count - len(row)) for row in rows]
        if table.title:
            self.caption(self.clean(table.title, "Table title", section), keep=12 + 7 * min(3, len(rows) + 1))
        size = 9 if count <= 6 else 8
        widths = self.column_widths(columns, rows, size=size)
        where = f'table "{table.title}" in "{section}"' if table.title else f'a table in "{section}"'
        rows = [[self.fitted_cell(value, width, size=size, where=where) for value, width in zip(row, widths)]
                for row in rows]
        numeric = [bool(rows) and all(_is_number(r[i]) or not r[i].strip() for r in rows) for i in range(count)]
        self.set_font(MAIN, "", size)
        self.set_text_color(*INK)
        self.set_fill_color(255, 255, 255)  # fpdf2 fills the unstriped rows with the current fill colour
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        with self.table(width=min(sum(widths), self.epw), col_widths=widths, align="LEFT", line_height=size * 0.5,
                        text_align=tuple("RIGHT" if n else "LEFT" for n in numeric),
                        headings_style=FontFace(emphasis="BOLD", fill_color=(226, 232, 240), color=INK),
                        borders_layout="HORIZONTAL_LINES", cell_fill_color=(246, 248, 250),
                        cell_fill_mode="ROWS", padding=CELL_PADDING, v_align="TOP", repeat_headings=1) as grid:
            for values in [columns, *rows]:
                row = grid.row()
                for value in values:
                    row.cell(value, style=FontFace(family=ARABIC) if ARABIC_SCRIPT.search(value) else None)
        self.ln(1.5)
        if table.note:
            self.paragraph(self.clean(table.note, "Table note", section), size=SMALL_PT, colour=GREY)
        self.ln(3)

    def fitted_cell(self, text: str, width: float, *, size: float, where: str) -> str:
        """A table cell's text, cut short with a warning when it would be taller than a page: fpdf2 cannot split
        a table row across pages, and refuses the whole PDF instead."""
        most = int((self.eph - 30) / (size * 0.5))  # lines that fit on a page below a repeated heading row
        if not text or len(text) < most:
            return text
        self.use_font(text, "", size)
        lines = self.multi_cell(width - 2 * CELL_PADDING[1], size * 0.5, text, dry_run=True, output="LINES")
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

    def chart_block(self, chart: report_model.Chart, section: str) -> None:
        """A chart as a PNG at its natural size (shrunk to fit the page), with its description under it."""
        title = self.clean(chart.title, "Chart title", section)
        description = self.clean(chart.alt, "Chart description", section) if chart.alt else ""
        try:
            png = chart_png(chart.spec)
        except ValueError as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else "no detail"
            self._problems.append(f'Chart "{chart.title}" in "{section}" could not be drawn ({first_line[:120]}); '
                                  "its description is shown instead.")
            if title:
                self.caption(title)
            self.paragraph(description or "This chart could not be drawn.", size=SMALL_PT, colour=GREY, after=4)
            return
        pixels_wide, pixels_high = _png_size(png)
        width = min(self.epw, pixels_wide / 2 * 25.4 / 96)  # scale=2 PNG of CSS pixels at 96 per inch
        height = width * pixels_high / pixels_wide
        if height > self.eph - 40:
            height = self.eph - 40
            width = height * pixels_wide / pixels_high
        below = self.height_of(description, self.epw, size=SMALL_PT) if description else 0
        if title:
            self.caption(title, keep=10 + height + below)
        elif self.will_page_break(height + below):
            self.add_page()
        self.image(io.BytesIO(png), x=self.l_margin, y=self.get_y(), w=width, h=height,
                   alt_text=chart.alt or chart.title)
        self.set_y(self.get_y() + height + 1.5)
        if description:
            self.paragraph(description, size=SMALL_PT, colour=GREY, after=1)
        if chart.note:
            self.paragraph(self.clean(chart.note, "Chart note", section), size=SMALL_PT, colour=GREY, after=1)
        self.ln(4)

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
        self.heading("Notes")
        for number, note in enumerate(self.report.footnotes, 1):
            self.paragraph(f"{number}. {self.clean(note, 'Footnote')}", size=9, colour=INK, after=1.5)


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

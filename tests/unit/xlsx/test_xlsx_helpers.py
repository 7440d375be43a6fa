"""Pure helpers of the xlsx package: cell references, serial dates, number formats, formula text."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlplugin.xlsx import sheetpatch
from xlplugin.xlsx.errors import PackageError
from xlplugin.xlsx.formulas import quote_sheet, rename_sheets
from xlplugin.xlsx.refs import CellRange, CellSet, cell_ref, column_index, column_letter, parse_cell
from xlplugin.xlsx.sheetxml import Head, Row, attributes, scan, set_attr
from xlplugin.xlsx.tables import escape_xstring, unescape_xstring
from xlplugin.xlsx.values import format_kind, from_serial, number_text, parse_number, to_serial


@given(st.integers(1, 16384))
def test_column_letters_round_trip(col: int) -> None:
    assert column_index(column_letter(col)) == col


def test_references() -> None:
    assert [column_letter(c) for c in (1, 26, 27, 702, 703, 16384)] == ["A", "Z", "AA", "ZZ", "AAA", "XFD"]
    assert parse_cell("$AB$12") == (12, 28) and cell_ref(12, 28) == "AB12"
    box = CellRange.parse("C9:A1")
    assert str(box) == "A1:C9" and box.contains(5, 2) and not box.contains(10, 1)
    assert box.intersects(CellRange.parse("C9")) and not box.intersects(CellRange.parse("D1:D9"))
    with pytest.raises(ValueError, match="invalide"):
        parse_cell("A0B")
    with pytest.raises(ValueError, match="hors de la feuille"):
        column_letter(16385)


@given(
    st.sets(st.tuples(st.integers(1, 40), st.integers(1, 20)), max_size=60),
    st.lists(st.tuples(st.integers(0, 41), st.integers(0, 21)), max_size=30),
)
def test_a_cell_set_is_the_set_of_its_pairs(pairs: set[tuple[int, int]], probes: list[tuple[int, int]]) -> None:
    cells = CellSet.of(pairs)
    assert cells == pairs and len(cells) == len(pairs) and set(cells) == pairs
    assert [p in cells for p in probes] == [p in pairs for p in probes]
    rows = {r for r, _ in pairs}
    assert all(cells.row(r) == {c for rr, c in pairs if rr == r} for r in rows) and cells.row(99) == frozenset()
    assert (1,) not in cells and "A1" not in cells and CellSet.of(cells) is cells


@pytest.mark.parametrize(
    ("sheet_data", "expected"),
    [
        (b"<sheetData/>", b'<sheetData><row r="2">B</row><row r="3">C</row></sheetData>'),
        (b'<sheetData><row r="1"><c r="A1"/></row></sheetData>',
         b'<sheetData><row r="1"><c r="A1"/></row><row r="2">B</row><row r="3">C</row></sheetData>'),
    ],
)  # fmt: skip
def test_new_rows_below_a_sheet_are_written_one_by_one_and_whole(sheet_data: bytes, expected: bytes) -> None:
    ns = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    part = b"<worksheet " + ns + b">" + sheet_data + b"<pageMargins/></worksheet>"
    blocks = list(sheetpatch.rewrite(io.BytesIO(part), {2: {2: b"B"}, 3: {3: b"C"}}, None))
    assert b"".join(blocks) == b"<worksheet " + ns + b">" + expected + b"<pageMargins/></worksheet>"
    assert b'<row r="2">B</row>' in blocks and b'<row r="3">C</row>' in blocks  # never joined in one piece


@pytest.mark.parametrize(
    ("code", "kind"),
    [("dd/mm/yyyy", "date"), ("d-mmm-yy", "date"), ("mmm-yy", "date"), ("dd/mm/yyyy hh:mm", "datetime"),
     ("hh:mm", "time"), ("[h]:mm:ss", "time"), ("mm:ss", "time"), ('[$-40C]dddd d mmmm yyyy', "date"),
     ("0.00", None), ('#,##0.00 "€"', None), ('"jour" 0', None), ("General", None), ("@", None),
     ("0.00E+00", None), ("[Red]#,##0;[Blue]-#,##0", None), ('_-* #,##0.00 "€"_-', None)],
)  # fmt: skip
def test_date_formats_are_recognised(code: str, kind: str | None) -> None:
    assert format_kind(code) == kind


@given(st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)))
def test_serial_numbers_round_trip(moment: dt.datetime) -> None:
    moment = moment.replace(microsecond=0)
    back = from_serial(to_serial(moment), "datetime")
    assert abs((back - moment).total_seconds()) < 0.002  # type: ignore[operator]


def test_known_serial_numbers() -> None:
    assert to_serial(dt.date(2021, 12, 31)) == 44561
    assert to_serial(dt.date(1900, 1, 1)) == 1 and from_serial(1, "date") == dt.date(1900, 1, 1)
    assert to_serial(dt.date(1900, 3, 1)) == 61
    assert to_serial(dt.date(2021, 12, 31), date1904=True) == 44561 - 1462
    assert to_serial(dt.time(12)) == 0.5 and from_serial(0.75, "time") == dt.time(18)
    with pytest.raises(ValueError, match="1er janvier 1900"):
        to_serial(dt.date(1899, 12, 31))


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("19200.50"), "19200.5"), (Decimal("1E+3"), "1000"), (Decimal("-0.10"), "-0.1"), (3, "3"), (0.1, "0.1"),
     (3.0, "3"), (1e20, "1e+20")],
)  # fmt: skip
def test_number_text(value: object, text: str) -> None:
    assert number_text(value) == text  # type: ignore[arg-type]


def test_number_text_refuses_what_is_not_a_finite_number() -> None:
    for bad in (float("inf"), float("nan"), Decimal("NaN")):
        with pytest.raises(ValueError, match="non fini"):
            number_text(bad)
    with pytest.raises(TypeError):
        number_text(True)
    assert (
        parse_number("12") == 12 and parse_number("1.5") == 1.5 and parse_number("0.1", decimals=True) == Decimal("0.1")
    )


@given(st.text())
def test_xstring_escape_round_trips(text: str) -> None:
    escaped = escape_xstring(text)
    assert all(ord(c) >= 32 or c in "\t\n" for c in escaped)
    assert unescape_xstring(escaped) == text


def test_sheet_renames_in_formulas() -> None:
    renames = {"Répartition": "Répartition (2)", "Feuil1": "Données"}
    assert rename_sheets("SUM('Répartition'!C2:C6)+Feuil1!A1", renames) == "SUM('Répartition (2)'!C2:C6)+Données!A1"
    assert rename_sheets('"Feuil1!A1"&feuil1!B2', renames) == '"Feuil1!A1"&Données!B2'
    assert rename_sheets("Feuil10!A1+MaFeuil1!A1", renames) == "Feuil10!A1+MaFeuil1!A1"
    assert rename_sheets("'It''s'!A1", {"It's": "Ça"}) == "Ça!A1"
    assert quote_sheet("Données") == "Données" and quote_sheet("A1") == "'A1'" and quote_sheet("l'été") == "'l''été'"


def test_start_tag_attributes() -> None:
    tag = b'<c r="A1" s="3" t="s">'
    assert attributes(tag) == {"r": "A1", "s": "3", "t": "s"}
    assert set_attr(tag, "s", "7") == b'<c r="A1" s="7" t="s">'
    assert set_attr(tag, "t", None) == b'<c r="A1" s="3">'
    assert set_attr(b'<c r="A1"/>', "s", "2") == b'<c r="A1" s="2"/>'
    assert set_attr(b"<c r='A1' x14ac:dy='1'>", "x14ac:dy", "2") == b"<c r='A1' x14ac:dy=\"2\">"


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_a_plain_row_is_split_into_cells_as_the_general_reader_does(prefix: str) -> None:
    """Rows without comments take a faster path: the same cells, at the same offsets, as the general one."""
    cells = (
        (
            '<c r="A7" s="2"><v>1</v></c><c r="C7"/><c s="3" r="D7" t="s"><v>0</v></c>'
            '<c r=\'E7\' t="inlineStr"><is><t>a &gt; b</t></is></c><c t="str"><f>A7&amp;"&gt;"</f><v>1&gt;</v></c>'
            '<c r="AB7" t="b" ><v>1</v></c ><c r="$AC$7"/>'
        )
        .replace("<c", f"<{prefix}c")
        .replace("</c", f"</{prefix}c")
    )
    ns = f"xmlns{':' + prefix[:-1] if prefix else ''}"
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    def row_cells(row_xml: str) -> list[tuple[int, int, int, int, bytes, int, bool]]:
        sheet = f'<{prefix}worksheet {ns}="{main}"><{prefix}sheetData>{row_xml}</{prefix}sheetData></{prefix}worksheet>'
        names = None
        for piece in scan(io.BytesIO(sheet.encode())):
            if isinstance(piece, Head):
                names = piece.names
            if isinstance(piece, Row):
                assert names is not None
                return [
                    (c.row, c.col, c.start, c.end, c.raw_attrs, c.tag_end, c.self_closing) for c in piece.cells(names)
                ]
        raise AssertionError("no row")

    plain = row_cells(f'<{prefix}row r="7">{cells}</{prefix}row>')
    general = row_cells(
        f'<{prefix}row r="7">{cells}<!-- a comment sends the row to the general reader --></{prefix}row>'
    )
    assert plain == general
    assert [c[1] for c in plain] == [1, 3, 4, 5, 6, 28, 29]
    with pytest.raises(PackageError, match="ligne 7"):
        row_cells(f'<{prefix}row r="7"><{prefix}c r="A7"><{prefix}v>1</{prefix}v></{prefix}row>')


@pytest.mark.parametrize(
    ("formula", "moved"),
    [
        ("SUBTOTAL(109,D4:D8)", "SUBTOTAL(109,D4:D10)"),
        ("subtotal(9, $D$4:$D$8)", "subtotal(9, $D$4:$D$10)"),  # its case and its anchors kept
        ("SUBTOTAL(109,D4:D7)", None),  # not the column's rows: left as it is
        ("SUBTOTAL(109,C4:C8)", None),  # another column
    ],
)
def test_a_totals_range_follows_the_rows_it_covered(formula: str, moved: str | None) -> None:
    from xlplugin.xlsx.totals import follow_rows, read_subtotal

    subtotal = read_subtotal(formula)
    assert subtotal is not None and subtotal.function == "sum" and not subtotal.structured
    assert follow_rows(formula, subtotal, CellRange(4, 4, 8, 4), CellRange(4, 4, 10, 4)) == moved


def test_subtotal_codes_say_the_function_and_the_hidden_rows() -> None:
    from xlplugin.xlsx.totals import read_subtotal

    average = read_subtotal("SUBTOTAL(101,Dossiers[Montant])")
    assert average is not None and average.function == "average" and average.structured and not average.hidden_rows
    count = read_subtotal("SUBTOTAL(3,D4:D8)")
    assert count is not None and count.function == "count" and count.hidden_rows
    product = read_subtotal("SUBTOTAL(106,D4:D8)")
    assert product is not None and product.function is None  # PRODUCT: no totals function of a table
    assert read_subtotal("SUM(D4:D8)") is None and read_subtotal("SUBTOTAL(109,D4:D8)*2") is None

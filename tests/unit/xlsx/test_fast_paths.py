"""The fast paths of the sheet patch give exactly what the general paths give: rows found by their tags' text,
a row's cells located by the references they name first (to write, inspect or compare a few cells of a long
row), new cells built directly."""

from __future__ import annotations

import io
from unittest import mock

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from xlplugin.xlsx import Package, Reader
from xlplugin.xlsx import compare as C
from xlplugin.xlsx import sheetpatch as P
from xlplugin.xlsx import sheetxml as S
from xlplugin.xlsx.refs import CellSet, column_letter
from xlplugin.xlsx.sheetxml import Head, Names, Row, scan

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ROW = 7

# One cell's XML, by how it is written: its reference first (as writers put it), or not.
FORMS = {
    "vide": '<c r="{ref}" s="3"/>',
    "nombre": '<c r="{ref}"><v>12.5</v></c>',
    "texte": '<c r="{ref}" t="inlineStr"><is><t xml:space="preserve"> a &gt; b</t></is></c>',
    "formule": '<c r="{ref}" s="2" t="str"><f>A7&amp;"&gt;"</f><v>1&gt;</v></c>',
    "espaces": '<c r="{ref}"  t="b" ><v>1</v></c >',
    "style d'abord": '<c s="3" r="{ref}"/>',
    "sans référence": '<c s="4"><v>2</v></c>',
    "référence absolue": '<c r="${letters}${row}"/>',
    "formule simple": '<c r="{ref}" s="5"><f>SUM(A1:A6)</f><v>21</v></c>',
    "formule vide": '<c r="{ref}" t="str"><f>""&amp;""</f><v></v></c>',
    "formule partagée": '<c r="{ref}"><f t="shared" si="0"/><v>4</v></c>',
    "type d'abord": '<c t="str" r="{ref}" s="5"><f>A1</f><v>x &amp; y</v></c>',
    "erreur": '<c r="{ref}" t="e"><v>#DIV/0!</v></c>',
    "booléen": '<c r="{ref}" s="1" t="b"><v>0</v></c>',
}
REF_FIRST = ("vide", "nombre", "texte", "formule")


def cell_xml(form: str, col: int) -> str:
    letters = column_letter(col)
    return FORMS[form].format(ref=f"{letters}{ROW}", letters=letters, row=ROW)


@st.composite
def rows(draw: st.DrawFn, forms: tuple[str, ...] = tuple(FORMS)) -> str:
    columns = sorted(draw(st.sets(st.integers(1, 40), max_size=12)))
    gap = draw(st.sampled_from(["", "\n    "]))
    cells = [cell_xml(draw(st.sampled_from(forms)), col) for col in columns]
    return f'<row r="{ROW}" spans="1:12">' + gap + gap.join(cells) + gap + "</row>"


def parse(row_xml: str) -> tuple[Row, Names]:
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData>{row_xml}</sheetData></worksheet>'.encode()
    names = None
    for piece in scan(io.BytesIO(sheet)):
        if isinstance(piece, Head):
            names = piece.names
        if isinstance(piece, Row):
            assert names is not None
            return piece, names
    raise AssertionError("no row")


def fields(cell: object) -> tuple[object, ...]:
    return tuple(getattr(cell, name) for name in ("row", "col", "start", "end", "raw_attrs", "tag_end", "self_closing"))


@given(rows())
def test_a_row_indexed_by_its_references_has_the_cells_it_is_split_into(row_xml: str) -> None:
    row, names = parse(row_xml)
    cells = row.cells(names)
    index = row.index(names)
    if all(f'<c r="{column_letter(c.col)}{ROW}"' in row_xml for c in cells) and "$" not in row_xml:
        assert index is not None  # every cell names its reference first: indexed
    if index is None:
        return
    columns, starts = index.columns, [index.start(i) for i in range(len(index.columns))]
    assert (columns, starts) == ([c.col for c in cells], [c.start for c in cells])
    for cell, col, start in zip(cells, columns, starts, strict=True):
        assert fields(row.cell_at(names, start, col)) == fields(cell)
        assert row.cell_end(names, start) == cell.end


def test_a_row_is_not_indexed_when_a_cell_does_not_name_its_reference_first() -> None:
    for form in ("style d'abord", "sans référence", "référence absolue"):
        row, names = parse(f'<row r="{ROW}">{cell_xml("nombre", 1)}{cell_xml(form, 2)}</row>')
        assert row.index(names) is None, form
    row, names = parse(f'<row r="{ROW}">{cell_xml("nombre", 1)}<!-- <c r="B7"/> --></row>')
    assert row.index(names) is None
    row, names = parse(f'<row r="{ROW}">{cell_xml("nombre", 1)}{cell_xml("vide", 1)}</row>')  # twice
    assert row.index(names) is None


def new_cells(columns: set[int]) -> dict[int, bytes]:
    return {col: f'<c r="{column_letter(col)}{ROW}" s="9"><v>{col}</v></c>'.encode() for col in columns}


@given(rows(), st.sets(st.integers(1, 45), min_size=1, max_size=8))
def test_splicing_an_indexed_row_gives_the_bytes_of_the_general_splice(row_xml: str, written: set[int]) -> None:
    row, names = parse(row_xml)
    fast = P.splice_row(row, new_cells(written), names)
    with mock.patch.object(Row, "index", return_value=None):
        general = P.splice_row(row, new_cells(written), names)
    assert fast == general


@settings(max_examples=200)
@given(rows(REF_FIRST), st.sets(st.integers(1, 45), min_size=1, max_size=8), st.data())
def test_the_quick_row_comparison_accepts_only_what_the_cell_by_cell_one_accepts(
    row_xml: str, columns: set[int], data: st.DataObject
) -> None:
    old, names = parse(row_xml)
    new, _ = parse(P.splice_row(old, new_cells(columns), names).decode())
    written = CellSet.of((ROW, col) for col in columns)
    assert C._compare_row(old, new, written, names, "feuille") == []
    if b"\n" not in old.data:  # between cells written, blanks may go (« look cell by cell » then): none here
        assert C._same_but_written(old, new, written, names)
    untouched = [c for c in old.cells(names) if c.col not in columns]
    if not untouched:
        return
    changed = data.draw(st.sampled_from(untouched))
    # A cell that was not written, changed: the quick comparison says « look », the other names it.
    text = old.data[changed.start : changed.end]
    other = text.replace(b"/>", b' x="1"/>') if changed.self_closing else text.replace(b"</c>", b"<v>9</v></c>")
    mutated, _ = parse(P.splice_row(old, {**new_cells(columns), changed.col: other}, names).decode())
    assert not C._same_but_written(old, mutated, written, names)
    assert C._compare_row(old, mutated, written, names, "feuille")


@given(st.lists(st.sampled_from(["row", "comment", "pi", "rowBreaks"]), max_size=8), st.sampled_from([1, 5, 64, 4096]))
def test_rows_found_by_their_tags_text_are_the_rows_the_pattern_finds(pieces: list[str], chunk: int) -> None:
    body = {
        "row": '<row r="{n}"><c r="A{n}"><v>1</v></c></row>',
        "comment": '<!-- <row r="999"><c r="A999"/></row> </sheetData> -->',
        "pi": "<?tool <row r='998'/> ?>",
        "rowBreaks": "<rowish/>",  # a name that starts like « row »: found by the text, refused by the pattern
    }
    rows_xml = "".join(body[p].format(n=i + 1) for i, p in enumerate(pieces))
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData>{rows_xml}</sheetData><rowBreaks count="0"/></worksheet>'.encode()
    fast = [(type(p).__name__, p.data) for p in scan(io.BytesIO(sheet), chunk)]
    original = S.find_markup

    def by_pattern_only(pattern, data, start, end=None, literals=()):  # type: ignore[no-untyped-def]
        return original(pattern, data, start, end)

    with mock.patch.object(S, "find_markup", by_pattern_only):
        general = [(type(p).__name__, p.data) for p in scan(io.BytesIO(sheet), chunk)]
    assert fast == general
    assert b"".join(data for _, data in fast) == sheet


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Reader:
    path = tmp_path_factory.mktemp("lecteur") / "vide.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Feuil1")
    book.add_format({"num_format": "dd/mm/yyyy"})  # style 1 shows dates
    book.close()
    return Reader(Package.open(path))


@given(row_xml=rows())
def test_a_row_read_by_patterns_gives_the_cells_the_xml_parser_gives(reader: Reader, row_xml: str) -> None:
    from xlplugin.xlsx.reader import _Patterns

    row, names = parse(row_xml)
    by_patterns = list(reader._row_by_regex(row, _Patterns(names)))
    assert by_patterns == list(reader._row_by_lxml(row, names))

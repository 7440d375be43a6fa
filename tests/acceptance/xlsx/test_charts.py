"""Charts that follow a table (``Patch.follow_table_charts``): the ranges that run down the table's columns end
where its data ends, nothing else of the chart changes, and a chart the patch does not re-point stays byte for
byte — checked by the save's own verification, which refuses a chart changed in any other way."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from lxml import etree

from xlplugin.xlsx import Package, Patch
from xlplugin.xlsx import xmlutil as X
from xlplugin.xlsx.charts import compare_charts


def office_workbook(path: Path, rows: int = 5) -> Path:
    """A table of amounts, a bar chart over two of its columns (from the header, as Excel's chart wizard
    takes them), a chart over other cells, and a chart on another sheet that reads the table."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Répartition")
    data = [[f"Commune {i}", i * 1000, i] for i in range(1, rows + 1)]
    sheet.add_table(0, 0, rows, 2, {"name": "Alloc", "data": data, "columns": [{"header": h} for h in "ABC"]})
    sheet.write_column("F1", [1, 2, 3])
    top = book.add_chart({"type": "column"})  # the first three rows only: not the table's data
    top.add_series({"values": "='Répartition'!$B$2:$B$4"})
    sheet.insert_chart("H40", top)
    bars = book.add_chart({"type": "bar"})
    bars.add_series(
        {
            "name": "='Répartition'!$B$1",
            "categories": f"='Répartition'!$A$2:$A${rows + 1}",
            "values": f"='Répartition'!$B$2:$B${rows + 1}",
        }
    )
    sheet.insert_chart("H2", bars)
    other = book.add_chart({"type": "line"})
    other.add_series({"values": "='Répartition'!$F$1:$F$3"})
    sheet.insert_chart("H20", other)
    elsewhere = book.add_worksheet("Synthèse")
    pie = book.add_chart({"type": "pie"})
    pie.add_series({"values": f"='Répartition'!$C$2:$C${rows + 1}"})
    elsewhere.insert_chart("B2", pie)
    book.close()
    return path


def charts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n.startswith("xl/charts/chart")}


def ranges(data: bytes) -> list[str]:
    return re.findall(rb"<(?:c:)?f>([^<]*)</(?:c:)?f>", data)  # type: ignore[return-value]


def grow(source: Path, target: Path, rows: int) -> Patch:
    with Package.open(source) as package:
        patch = Patch(package)
        patch.set_table_rows("Alloc", rows)
        for row in range(2, rows + 2):
            patch.set("Répartition", row, 1, f"Commune {row - 1}")
            patch.set("Répartition", row, 2, (row - 1) * 1000)
        patch.follow_table_charts("Alloc")
        patch.save(target)
    return patch


def test_a_chart_over_a_table_s_columns_follows_the_table_and_nothing_else_changes(tmp_path: Path) -> None:
    source = office_workbook(tmp_path / "bureau.xlsx")
    before = charts(source)
    assert any(b"numCache" in data or b"strCache" in data for data in before.values())  # XlsxWriter caches
    grown = tmp_path / "plus.xlsx"
    patch = grow(source, grown, 12)  # saved: the verification accepted the re-pointed chart
    after = charts(grown)
    bars = next(name for name, data in before.items() if b"$A$2:$A$6" in data)
    assert ranges(after[bars]) == [b"'R\xc3\xa9partition'!$B$1", b"'R\xc3\xa9partition'!$A$2:$A$13",
                                   b"'R\xc3\xa9partition'!$B$2:$B$13"]  # fmt: skip
    assert b"numCache" not in after[bars].split(b"$B$2:$B$13")[1][:200]  # the old range's figures dropped
    # The chart over other cells, and the one on another sheet, are not this sheet's table's: byte for byte.
    assert {n for n in before if before[n] != after[n]} == {bars} == patch.charts_touched
    shrunk = tmp_path / "moins.xlsx"
    grow(grown, shrunk, 3)
    assert ranges(charts(shrunk)[bars])[1:] == [b"'R\xc3\xa9partition'!$A$2:$A$4", b"'R\xc3\xa9partition'!$B$2:$B$4"]


def test_a_chart_already_over_the_table_is_left_as_it_is(tmp_path: Path) -> None:
    source = office_workbook(tmp_path / "bureau.xlsx")
    same = tmp_path / "meme.xlsx"
    patch = grow(source, same, 5)
    assert patch.charts_touched == set() and charts(same) == charts(source)


def test_the_save_refuses_a_re_pointed_chart_changed_in_any_other_way() -> None:
    before = etree.fromstring(
        f'<c:chartSpace xmlns:c="{X.CHART}"><c:chart><c:title/><c:plotArea><c:barChart><c:ser>'
        "<c:tx><c:strRef><c:f>'R'!$B$1</c:f></c:strRef></c:tx><c:val><c:numRef>"
        "<c:f>'R'!$B$2:$B$6</c:f><c:numCache><c:ptCount val=\"5\"/></c:numCache></c:numRef></c:val></c:ser>"
        "</c:barChart></c:plotArea></c:chart></c:chartSpace>".encode()
    )
    repointed = etree.fromstring(etree.tostring(before).replace(b"$B$6", b"$B$13"))
    cache = repointed.find(f".//{{{X.CHART}}}numCache")
    cache.getparent().remove(cache)
    assert compare_charts("chart1.xml", before, repointed) == []
    retitled = etree.fromstring(etree.tostring(repointed).replace(b"<c:title/>", b"<c:title><c:overlay/></c:title>"))
    assert compare_charts("chart1.xml", before, retitled) == [
        "« chart1.xml » : le graphique a changé au-delà des plages de ses séries"
    ]
    # A range may only end on another row: another sheet, other columns, another first row, another title are
    # not the table's growth.
    for old, new in (
        (b"'R'!$B$2:$B$6", b"'Autre'!$B$2:$B$13"),
        (b"'R'!$B$2:$B$6", b"'R'!$Z$2:$Z$13"),
        (b"'R'!$B$2:$B$6", b"'R'!$B$3:$B$13"),
        (b"'R'!$B$1", b"'R'!$B$9"),
    ):
        moved = etree.fromstring(etree.tostring(before).replace(old, new))
        assert compare_charts("chart1.xml", before, moved), new
    kept_cache = etree.fromstring(etree.tostring(before).replace(b'val="5"', b'val="6"'))  # a figure changed
    assert compare_charts("chart1.xml", before, kept_cache)


@pytest.mark.parametrize("rows", [1, 40])
def test_the_tool_s_allocation_chart_covers_the_allocation_s_rows(tmp_path: Path, rows: int) -> None:
    from click.testing import CliRunner

    from batch.cli import main
    from tests.conftest import EXAMPLES, ROOT

    workbook = tmp_path / "suivi.xlsx"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(workbook)]).exit_code == 0
    recus = ROOT / "examples" / "recus"
    sources = [str(sorted(recus.glob("*.json"))[0])] if rows == 1 else [str(recus), str(EXAMPLES)]
    assert runner.invoke(main, ["import", *sources, "--workbook", str(workbook)]).exit_code == 0
    result = runner.invoke(main, ["allocate", "--workbook", str(workbook)])
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    ws = load_workbook(workbook)["Répartition"]
    last = max(r for r in range(1, ws.max_row + 1) if isinstance(ws.cell(r, 2).value, int))  # n° de dossier
    bars = next(data for data in charts(workbook).values() if b"barChart" in data)
    found = ranges(bars)
    assert found[-2].endswith(f"$C${last}".encode()) and found[-1].endswith(f"$F${last}".encode())
    assert re.search(rb"<(c:)?strRef><(c:)?f>'R\xc3\xa9partition'!\$C\$", bars)  # the names are text

"""The French the documents write: a name received without the elision French requires is written with it
(the example dossiers now spell their names right, so the documents' test no longer meets one)."""

from __future__ import annotations

import pytest

from xlplugin.documents.french import elide, of_place


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("Commune de Ambérieux-en-Dombes", "Commune d'Ambérieux-en-Dombes"),
        ("Commune de Oyonnax", "Commune d'Oyonnax"),
        ("Commune de Le Plantay", "Commune du Plantay"),
        ("Commune de Les Neyrolles", "Commune des Neyrolles"),
        ("Commune de Belley", "Commune de Belley"),
        ("Commune de Hauteville-Lompnes", "Commune de Hauteville-Lompnes"),  # an h may be aspirated: no elision
        ("Commune d'Ars-sur-Formans", "Commune d'Ars-sur-Formans"),
        ("Syndicat intercommunal de Énergie", "Syndicat intercommunal d'Énergie"),
    ],
)
def test_a_name_is_elided_as_french_writes_it(typed: str, written: str) -> None:
    assert elide(typed) == written


def test_de_before_a_place_name() -> None:
    assert [of_place(n) for n in ("Ambérieux", "Le Plantay", "Les Neyrolles", "La Boisse", "Belley")] == [
        "d'Ambérieux",
        "du Plantay",
        "des Neyrolles",
        "de La Boisse",
        "de Belley",
    ]


def test_a_command_in_a_message_is_quoted_for_the_agents_shell():
    from xlplugin.grouping import command_line

    args = ["guichet", "init", r"C:\Subventions\DETR&DSIL\suivi 2021.xlsx"]
    assert command_line(args, windows=True) == r'guichet init "C:\Subventions\DETR&DSIL\suivi 2021.xlsx"'
    assert command_line(["guichet", "init", r"C:\a&b\s.xlsx"], windows=True) == r'guichet init "C:\a&b\s.xlsx"'
    posix = command_line(["guichet", "init", "/srv/a&b/suivi.xlsx"], windows=False)
    assert posix == "guichet init '/srv/a&b/suivi.xlsx'"

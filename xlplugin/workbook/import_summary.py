"""What an import did to a workbook, as the command line reports it: a module of its own, light to load, so
that an import recalled (``intake.import_memory``) says what it found without loading the workbook's code."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportSummary:
    """What an import found and did: the dossiers added, updated, unchanged, rejected (and why), the columns and
    sheets it added or wrote, what an agent should know."""

    sheet: str = ""  # the sheet of the dossiers written into
    added: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file, or file and dossier; why)
    columns_added: list[str] = field(default_factory=list)
    columns_written: list[str] = field(default_factory=list)  # every column the tool wrote into
    sheets_added: list[str] = field(default_factory=list)
    expenses_differ: list[int] = field(default_factory=list)  # known dossiers whose received lines differ
    notes: list[str] = field(default_factory=list)  # what the agent should know (duplicates…)
    # the notes on the sheet's rows, among ``notes``: a dossier on two rows, a number that is none
    duplicates: list[str] = field(default_factory=list)
    changed: bool = True  # False: the workbook already holds everything; nothing is written, not even a line
    # SHA-256 of the workbook as the import left it (saved, or unchanged), taken under its lock; None when the
    # result went to --output
    workbook_digest: str | None = None

    def text(self) -> str:
        text = (
            f"{len(self.added)} ajouté(s), {len(self.updated)} mis à jour, {len(self.unchanged)} inchangé(s), "
            f"{len(self.rejected)} rejeté(s)"
        )
        if self.expenses_differ:
            text += f", {len(self.expenses_differ)} aux dépenses reçues différentes (non reprises)"
        return text

    def repeated(self) -> ImportSummary:
        """What importing the same dossiers again into the workbook this import left finds: nothing to write,
        every dossier unchanged (in the order of their numbers, the import's), the same rejections and the
        same notes on duplicated rows — what an import makes true (``intake.import_memory``). Not for an
        import whose received expense lines differ: those are named, and journaled, each time."""
        return ImportSummary(
            sheet=self.sheet,
            unchanged=sorted([*self.added, *self.updated, *self.unchanged]),
            rejected=list(self.rejected),
            notes=list(self.duplicates),
            duplicates=list(self.duplicates),
            changed=False,
            workbook_digest=self.workbook_digest,
        )

"""Reading the files received from démarches-simplifiées (DS) and checking them.

A received file is read by content, not by its extension: a DS dossier node, ``{"data": {"dossier": …}}``,
a ``getDemarche`` page of many dossiers, the instructeur's XLSX or CSV export, or the project's own
dossier JSON. Each file goes through parse → DS shape → mapping of the form's champs → dossier schema →
identifiers → eligibility; every problem is collected, none stops the others.

Modules: ``issues`` (what is reported), ``safety`` (bounded, defensive reading), ``form`` (the démarche's
form and label matching), ``mapping`` (champs → dossier), ``ds_json`` and ``ds_export`` (the two DS
shapes), ``reader`` (choosing the reader by content), ``pipeline`` (the stages over many files, and which
dossiers are usable), ``quarantine`` (copying the invalid files aside, never moving them).
"""

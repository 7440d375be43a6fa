"""click's own words (« Usage: », « Error: », « Missing argument », « [required] », « INTEGER »…) in French,
for the agents.

click marks its messages for gettext but ships no French catalogue. ``install`` gives its modules a
translation function backed by the table below; a message the table lacks stays in English, so a new
version of click can only make a message untranslated, never wrong. The names of click's value types are not
marked for gettext: they show in help texts as metavars (« --demarche INTEGER RANGE ») and in errors (« 'abc' is
not a valid integer »), so ``install`` gives the types French names, each only while it has the English name
it is known by. A group's « COMMAND [ARGS]... » is an argument of the group: ``SUBCOMMANDS`` is passed there.
"""

from __future__ import annotations

import gettext
import importlib

FRENCH: dict[str, str] = {
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Commands": "Commandes",
    "Positional arguments": "Arguments",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Aide : '{command} {option}'.",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "Missing {param_type}": "{param_type} manquant",
    "Missing command.": "Commande manquante.",
    "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "No such option {name!r}.": "Option inconnue : {name!r}.",
    "Option {name!r} does not take a value.": "L'option {name!r} ne prend pas de valeur.",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "Show this message and exit.": "Affiche cette aide.",
    "Show the version and exit.": "Affiche la version.",
    "default: {default}": "par défaut : {default}",
    "Aborted!": "Interrompu.",
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "{name} {filename!r} does not exist.": "{name} {filename!r} introuvable : vérifiez le chemin.",
    "{name} {filename!r} is a directory.": "{filename!r} est un dossier ; un fichier est attendu.",
    "{name} {filename!r} is a file.": "{filename!r} est un fichier ; un dossier est attendu.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} ne peut pas être lu.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} ne peut pas être écrit.",
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un {number_type} valide.",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "required": "obligatoire",
    "env var: {var}": "variable d'environnement : {var}",
    "(dynamic)": "(calculé)",
    "deprecated": "obsolète",
    "Value must be an iterable.": "Il faut une liste de valeurs.",
    "Argument {name!r} takes {nargs} values.": "L'argument {name!r} prend {nargs} valeurs.",
    "{value!r} is not a valid UUID.": "{value!r} n'est pas un UUID valide.",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} n'est pas une valeur oui/non. Valeurs reconnues : {states}"
    ),
    "{name} {filename!r} is not executable.": "{name} {filename!r} ne peut pas être exécuté.",
    "Could not open file {filename!r}: {message}": "Le fichier {filename!r} n'a pas pu être ouvert : {message}",
    "unknown error": "erreur inconnue",
}
FRENCH_PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): (
        "{value!r} n'est pas {choice}.",
        "{value!r} n'est pas parmi {choices}.",
    ),
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): (
        "Argument en trop ({args})",
        "Arguments en trop ({args})",
    ),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): (
        "Vouliez-vous dire {possibility} ?",
        "(Vouliez-vous dire l'un de : {possibilities} ?)",
    ),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."): (
        "L'option {name!r} attend une valeur.",
        "L'option {name!r} attend {nargs} valeurs.",
    ),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."): (
        "Il faut {nargs} valeurs, 1 a été donnée.",
        "Il faut {nargs} valeurs, {len} ont été données.",
    ),
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."): (
        "{value!r} n'est pas au format {format}.",
        "{value!r} n'est dans aucun des formats {formats}.",
    ),
    (
        "{len_type} values are required, but {len_value} was given.",
        "{len_type} values are required, but {len_value} were given.",
    ): (
        "Il faut {len_type} valeurs, {len_value} a été donnée.",
        "Il faut {len_type} valeurs, {len_value} ont été données.",
    ),
}
# click's value types: (class name, English name, French name). A metavar is the name in capitals.
TYPE_NAMES = (
    ("UnprocessedParamType", "text", "texte"),
    ("StringParamType", "text", "texte"),
    ("IntParamType", "integer", "entier"),
    ("IntRange", "integer range", "entier"),  # its bounds follow in the help: « [x>=1; obligatoire] »
    ("FloatParamType", "float", "nombre"),
    ("FloatRange", "float range", "nombre"),
    ("BoolParamType", "boolean", "oui/non"),
    ("DateTime", "datetime", "date"),
    ("File", "filename", "fichier"),
)
SUBCOMMANDS = "COMMANDE [ARGUMENTS]..."  # a group's subcommand, as its usage line shows it
MODULES = ("click.core", "click.exceptions", "click.formatting", "click.types", "click.parser", "click.decorators")


def translate(message: str) -> str:
    return FRENCH.get(message, message)


def translate_plural(singular: str, plural: str, count: int) -> str:
    one, many = FRENCH_PLURALS.get((singular, plural), (singular, plural))
    return one if count == 1 else many


def install() -> None:
    """Make click speak French (where it uses gettext's default functions, and in its types' names)."""
    for name in MODULES:
        module = importlib.import_module(name)
        if getattr(module, "_", None) is gettext.gettext:
            module._ = translate  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = translate_plural  # type: ignore[attr-defined]
    types = importlib.import_module("click.types")
    for class_name, english, french in TYPE_NAMES:
        kind = getattr(types, class_name, None)
        if kind is not None and kind.__dict__.get("name") == english:
            kind.name = french

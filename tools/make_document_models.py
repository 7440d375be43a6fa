"""Build the Word models of the decision documents in templates/documents/ (python-docx, docxtpl placeholders).

    .venv/bin/python tools/make_document_models.py [DOSSIER]

Writes arrete-attributif.docx, lettre-notification.docx, lettre-refus.docx and convention.docx, and the
placeholder and sources tables of LISEZMOI.md. The office then edits the models in Word: placeholders are
``{{ beneficiaire.nom }}``, ``{{ montant_lettres }}``…, loops and conditions are docxtpl paragraph tags
(``{%p for ligne in calcul %}`` … ``{%p endfor %}``). Every mention carries its source in a Word comment
(Révision › Commentaires); the comments are removed from the documents rendered for the beneficiaries.

The output is byte-for-byte reproducible (fixed dates in the package and the archive).
"""

from __future__ import annotations

import io
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xlplugin.documents.context import ARRETE, CONVENTION, NOTIFICATION, PLACEHOLDERS, REFUSAL, REQUIRED, TITLES

FIXED_DATE = datetime(2021, 11, 1)
AUTHOR = "guichet-numerique"
FONT = "Arial"
GREY = RGBColor(0x55, 0x55, 0x55)
BLUE = RGBColor(0x00, 0x00, 0x91)

# Sources cited by the models' comments (and in LISEZMOI.md).
CALL = "Appel à projets de la préfecture de l'Ain (templates/appel-a-projets-ain.txt)"
D2018_SCOPE = (
    "Décret n° 2018-514 du 25 juin 2018, art. 1er : il régit les subventions de l'État pour des projets "
    "d'investissement matériel ou immatériel, sur le budget général ; il ne s'applique pas aux dépenses de "
    "fonctionnement. Le visa n'apparaît que si l'assiette comporte une part d'investissement (choix local "
    "du classement des natures de dépense dans le règlement)."
)
D2018_ART8 = (
    "Décret n° 2018-514, art. 8 : la décision attributive comporte au moins l'identification du bénéficiaire, "
    "la désignation du projet et le montant de la dépense subventionnable, le montant maximum de la subvention "
    "et ses modalités de calcul, le calendrier de réalisation avec sa date prévisionnelle d'achèvement, les "
    "modalités de versement et les conditions de reversement."
)
D2018_ART12 = (
    "Décret n° 2018-514, art. 12 : versement sur justification de la réalisation du projet ; avance au "
    "commencement d'exécution d'au plus 30 % du montant maximum ; acomptes sans dépasser 80 %. Pièces à "
    "produire et délai des justificatifs : choix local (paramètres « versement »). Appliqué aussi à la part "
    "de fonctionnement : choix local."
)
D2018_ART14 = (
    "Décret n° 2018-514, art. 14 : reversement total ou partiel si l'objet ou l'affectation de l'investissement "
    "a été modifié sans autorisation, si le montant des aides publiques dépasse la limite de l'art. 10, si le "
    "projet n'est pas réalisé dans les délais. CGCT, art. L. 1111-10, III (participation minimale de 20 % du "
    "maître d'ouvrage). CRPA, art. L. 242-2 (retrait d'une subvention dont les conditions ne sont pas "
    "respectées). Le 4° (trop-perçu) est un choix local."
)
CALENDAR = (
    "Appel : « démarrage au 31 décembre 2021 et mise en œuvre au plus tard au 31/12/2022 » (règlement, bloc "
    "calendrier) : des conditions de la subvention, fixées par l'appel, dont le non-respect ouvre le retrait et le "
    "reversement (CRPA, art. L. 242-2 ; décret n° 2018-514, art. 14, 3°)."
)
LAPSE = (
    "Décret n° 2018-514, art. 11 : si, deux ans après la notification de la subvention, le projet n'a reçu aucun "
    "commencement d'exécution, l'autorité qui l'a attribuée constate la caducité de sa décision ; elle peut "
    "exceptionnellement proroger sa validité d'un an au plus (paramètres « caducite »). Pour la part de "
    "fonctionnement, que le décret ne régit pas, la même règle est une condition de la subvention (choix local)."
)
START_RULE = (
    "Décret n° 2018-514, art. 5, II : aucun commencement d'exécution ne peut être opéré avant la date de réception "
    "de la demande ; les règles jugent inéligible un projet dont le démarrage précède le dépôt (DEBUT_AVANT_DEPOT)."
)
APPEALS = (
    "Code de justice administrative, art. R. 421-1 (deux mois) et R. 421-5 (le délai n'est opposable que si "
    "la notification mentionne les voies et délais de recours) ; CRPA, art. L. 411-2 (un recours gracieux "
    "interrompt le délai) ; code de justice administrative, art. R. 414-1 : une personne morale de droit public "
    "autre qu'une commune de moins de 3 500 habitants saisit le tribunal par l'application Télérecours, à peine "
    "d'irrecevabilité (EPCI, syndicats, communes de 3 500 habitants ou plus : population de la commune, COG 2021 ; "
    "paramètres « recours ») ; les autres peuvent écrire ou utiliser Télérecours citoyens. Paragraphe à la taille "
    "du texte."
)
# The texts the acts cite in their own words, where they state what the texts fix (a reader of the act, not of
# the model's comments, sees where each mention comes from).
CEILING_SOURCE = (
    " ({% if a_investissement %}décret n° 2018-514 du 25 juin 2018, article 12{% if a_fonctionnement %} ; pour la "
    "part de fonctionnement, condition de la présente subvention{% endif %}{% else %}plafond de l'article 12 du "
    "décret n° 2018-514 du 25 juin 2018, condition de la présente subvention{% endif %})"
)
APPEAL_DELAY = "(article R. 421-1 du code de justice administrative)"
APPEAL_INTERRUPTION = "(article L. 411-2 du code des relations entre le public et l'administration)"
SIGNATURE = (
    "CRPA, art. L. 212-1 : la décision porte la signature de son auteur et, lisiblement, son prénom, son nom "
    "et sa qualité (paramètres « signataire »)."
)
AMOUNT = (
    "Montant maximum donné par les règles et la répartition de l'enveloppe (xlplugin.rules), en chiffres et en "
    "lettres ; décret n° 2018-514, art. 8, 3°."
)
FINAL_AMOUNT = (
    "Un seul taux dans tous les documents : le montant maximum rapporté à la dépense subventionnable (le taux des "
    "règles avant la répartition de l'enveloppe n'est qu'une étape du calcul). Le montant définitif suit ce taux, au "
    "prorata des dépenses réalisées et justifiées : une dépense moindre donne une subvention moindre. Décret "
    "n° 2018-514, art. 10 : le montant des aides publiques ne dépasse pas la dépense subventionnable. Choix local."
)
OPERATING = (
    "Décret n° 2018-514, art. 1er : il régit les subventions pour des projets d'investissement matériel ou "
    "immatériel. La part de fonctionnement (formation, accompagnement, conseil : classement des natures de dépense "
    "du règlement, choix local) n'en relève pas : elle est attribuée sur le fondement de l'article 9-1 de la loi "
    "n° 2000-321 (définition de la subvention), et l'arrêté lui rend applicables ses règles de versement, de "
    "caducité et de reversement. Le montant maximum est partagé entre les deux parts au prorata de la dépense, au "
    "même taux."
)
DEROGATION = (
    "CGCT, art. L. 1111-10, III : le maître d'ouvrage d'une opération d'investissement assure au moins 20 % des "
    "financements publics, sauf les dérogations que la loi prévoit (paramètres « derogation_l1111_10 », avec leur "
    "texte). Aucun texte propre au fonds n'y déroge dans les sources consultées. Un arrêté au-delà de ce plafond "
    "n'est produit que si le bureau a saisi le fondement et la décision de dérogation ; ce visa les cite."
)
ACCOUNTING = (
    "Décret n° 2012-1246 (GBCP) : l'imputation budgétaire et le comptable assignataire sont des paramètres du bureau "
    "(« imputation », « comptable ») ; laissés vides, la phrase n'apparaît pas et la commande le rappelle."
)
PUBLICITY = "Choix local : mention du soutien de l'État (France Relance) dans la communication du bénéficiaire."
VISA_USAGE = (
    "Choix local : visa d'usage des arrêtés attributifs de subvention de l'État (compétence, finances publiques)."
)
REFUSAL_MOTIFS = (
    "CRPA, art. L. 211-5 : la motivation énonce les considérations de droit et de fait qui fondent la décision. "
    "Un refus de subvention n'est pas parmi les décisions que l'art. L. 211-2 oblige à motiver (l'attribution n'est "
    "pas un droit), mais la motivation donnée doit être vraie et complète. En fait : le motif des règles "
    "(xlplugin.rules), ENVELOPPE_EPUISEE pour un dossier classé que l'enveloppe n'a pas atteint (jamais pour un "
    "dossier non classé), ou le motif saisi par le bureau (refusé s'il contredit le dossier). En droit : la phrase "
    "de l'appel, le texte de loi ou la règle fixée pour l'appel (sources du règlement, xlplugin.rules.grounds), ou "
    "ce que le bureau écrit après « En droit : »."
)
CONVENTION_LAW = (
    "Loi n° 2000-321, art. 10 ; décret n° 2001-495, art. 1er : convention obligatoire avec un organisme de "
    "droit privé au-delà de 23 000 € (objet, montant, modalités de versement, conditions d'utilisation). Les "
    "communes et EPCI étant des personnes publiques, la convention est ici un choix local (paramètres « convention »)."
)


@dataclass
class Model:
    """One Word model being written, with the mentions and sources it cites (for LISEZMOI.md)."""

    kind: str
    doc: DocumentObject = field(default_factory=Document)
    sources: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        section = self.doc.sections[0]
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.left_margin = section.right_margin = Cm(2.2)
        section.top_margin, section.bottom_margin = Cm(1.6), Cm(1.8)
        normal = self.doc.styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(10.5)
        normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
        normal.paragraph_format.space_after = Pt(4)
        normal.paragraph_format.line_spacing = 1.1
        props = self.doc.core_properties
        props.author = props.last_modified_by = AUTHOR
        props.title = TITLES[self.kind]
        props.created = props.modified = props.last_printed = FIXED_DATE
        props.revision = 1
        self._footer()

    # -- building blocks --------------------------------------------------------------------------

    def para(
        self,
        text: str = "",
        *,
        source: str | None = None,
        mention: str | None = None,
        bold: bool = False,
        italic: bool = False,
        size: float | None = None,
        align: str = "justify",
        indent: float | None = None,
        before: float | None = None,
        after: float | None = None,
        keep_next: bool = False,
    ) -> Paragraph:
        p = self.doc.add_paragraph()
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        p.alignment = {
            "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
        }[align]
        fmt = p.paragraph_format
        if indent is not None:
            fmt.left_indent = Cm(indent)
        if before is not None:
            fmt.space_before = Pt(before)
        if after is not None:
            fmt.space_after = Pt(after)
        fmt.keep_with_next = keep_next
        if source:
            self.doc.add_comment(p.runs, text=source, author=AUTHOR, initials="GN")
            self.sources.append((mention or text[:90], source))
        return p

    def tag(self, statement: str) -> None:
        """A docxtpl paragraph tag (``{%p if … %}``): the whole paragraph disappears when rendered."""
        p = self.doc.add_paragraph()
        p.add_run("{%p " + statement + " %}")

    def bullet(self, text: str, size: float | None = None) -> Paragraph:
        p = self.para("–\t" + text, indent=1.0, size=size)
        p.paragraph_format.first_line_indent = Cm(-0.5)
        p.paragraph_format.tab_stops.add_tab_stop(Cm(1.0))
        return p

    def article(self, heading: str) -> None:
        self.para(heading, bold=True, align="left", before=8, after=3, keep_next=True)

    def letterhead(self, right: list[tuple[str, bool]]) -> None:
        """The State's block (« PRÉFET DE L'AIN », the motto) on the left, ``right`` lines on the right."""
        table = self.doc.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        left, other = table.rows[0].cells
        left.width, other.width = Cm(8.3), Cm(8.3)
        _cell_lines(left, [("PRÉFET", True, 13, None), ("DE L'AIN", True, 13, None)])
        _cell_lines(
            left, [("Liberté", False, 9, "italic"), ("Égalité", False, 9, "italic"), ("Fraternité", False, 9, "italic")]
        )
        _cell_lines(other, [(text, bold, 9.5, "right") for text, bold in right])
        self.para("", after=10)

    def signature(self, *, date_line: bool = True) -> None:
        if date_line:
            self.para("Fait à {{ lieu }}, le {{ decision.date }}", align="left", indent=9.0, before=14, keep_next=True)
        self.para(
            "{{ signataire.qualite }},",
            align="left",
            indent=9.0,
            before=4,
            keep_next=True,
            source=SIGNATURE,
            mention="Signature : qualité, prénom et nom du signataire",
        )
        for _ in range(3):
            self.para("", keep_next=True)
        self.para("{{ signataire.nom }}", bold=True, align="left", indent=9.0)

    def appeals(self, text: str) -> None:
        """The appeal paragraph, at the size of the text, and how the beneficiary seizes the court (R. 414-1)."""
        self.para(text, source=APPEALS, mention="Voies et délais de recours")
        self.tag("if recours.telerecours_obligatoire")
        self.para(
            "Le recours contentieux est adressé au tribunal par l'application Télérecours (www.telerecours.fr), à "
            "peine d'irrecevabilité (code de justice administrative, art. R. 414-1)."
        )
        self.tag("else")
        self.para(
            "Le recours contentieux peut être adressé au tribunal par courrier ou par l'application Télérecours "
            "citoyens (www.telerecours.fr)."
        )
        self.tag("endif")

    def _footer(self) -> None:
        footer = self.doc.sections[0].footer
        p = footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run("{{ service.nom }} – {{ service.adresse }} – {{ service.courriel }}")
        run.font.size = Pt(8)
        run.font.color.rgb = GREY
        pages = footer.add_paragraph()
        pages.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for text in ("Page ", "PAGE", " / ", "NUMPAGES"):
            if text.isupper():
                _field(pages, text)
            else:
                pages.add_run(text).font.size = Pt(8)

    def save(self, folder: Path) -> Path:
        for comment in self.doc.comments:
            comment._comment_elm.date = FIXED_DATE.replace(tzinfo=UTC)  # python-docx stamps « now »
        buffer = io.BytesIO()
        self.doc.save(buffer)
        path = folder / f"{self.kind}.docx"
        path.write_bytes(_reproducible_zip(buffer.getvalue()))
        return path


def _cell_lines(cell: _Cell, lines: list[tuple[str, bool, float, str | None]]) -> None:
    first = cell.paragraphs[0]
    for index, (text, bold, size, style) in enumerate(lines):
        p = first if index == 0 and not first.text and not cell.text else cell.add_paragraph()
        run = p.add_run(text)
        run.bold = bold
        run.italic = style == "italic"
        run.font.size = Pt(size)
        if bold and style is None:
            run.font.color.rgb = BLUE
        p.paragraph_format.space_after = Pt(0)
        if style == "right":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    cell.add_paragraph().paragraph_format.space_after = Pt(2)


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (page number, page count) that Word and LibreOffice compute when they lay the page out."""
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "16")
    props.append(size)
    run.append(props)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)


def _reproducible_zip(data: bytes) -> bytes:
    """The same archive with fixed entry dates, so that building twice gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(2021, 11, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


# -- the four models -------------------------------------------------------------------------------


def visas(m: Model) -> None:
    m.para("{{ autorite.titre }},", bold=True, align="left", before=6)
    m.tag("for distinction in autorite.distinctions")
    m.para("{{ distinction }}", italic=True, align="left", after=0)
    m.tag("endfor")
    m.para("", after=2)
    m.para(
        "Vu le code général des collectivités territoriales, notamment son article L. 1111-10 ;",
        source="CGCT, art. L. 1111-10, III : participation minimale du maître d'ouvrage (20 %) aux opérations "
        "d'investissement, appliquée par les règles (plafond des aides publiques, règlement bloc « plafonds »).",
        mention="Visa du CGCT (L. 1111-10)",
    )
    m.para(
        "Vu le code des relations entre le public et l'administration ;",
        source="Décret n° 2018-514, art. 1er, al. 2 : les subventions sont aussi régies par le CRPA ; CRPA, "
        "art. L. 212-1 (signature), L. 242-2 (retrait d'une subvention).",
        mention="Visa du CRPA",
    )
    m.para(
        "Vu la loi n° 2000-321 du 12 avril 2000 relative aux droits des citoyens dans leurs relations avec les "
        "administrations, notamment ses articles 9-1 et 10 ;",
        source="Loi n° 2000-321, art. 9-1 (définition de la subvention) et 10 (convention, publication des "
        "données essentielles).",
        mention="Visa de la loi n° 2000-321",
    )
    m.para(
        "Vu la loi organique n° 2001-692 du 1er août 2001 relative aux lois de finances ;",
        source=VISA_USAGE,
        mention="Visa de la LOLF",
    )
    m.para(
        "Vu le décret n° 2004-374 du 29 avril 2004 relatif aux pouvoirs des préfets, à l'organisation et à "
        "l'action des services de l'État dans les régions et départements ;",
        source=VISA_USAGE,
        mention="Visa du décret n° 2004-374",
    )
    m.para(
        "Vu le décret n° 2012-1246 du 7 novembre 2012 relatif à la gestion budgétaire et comptable publique ;",
        source=VISA_USAGE,
        mention="Visa du décret GBCP",
    )
    m.tag("if a_investissement")
    m.para(
        "Vu le décret n° 2018-514 du 25 juin 2018 relatif aux subventions de l'État pour des projets d'investissement ;"
    )
    m.tag("endif")
    m.tag("if derogation.reference")
    m.para(
        # The ground is a phrase of either gender (« projet … », « opération … ») and its text may hold parentheses
        "Vu {{ derogation.reference }}, accordant, sur le fondement de l'article L. 1111-10, III du code général des "
        "collectivités territoriales, une dérogation à la participation minimale du maître d'ouvrage au titre "
        "suivant : {{ derogation.fondement }} — {{ derogation.texte }} ;",
        source=DEROGATION,
        mention="Visa de la dérogation à l'article L. 1111-10 du CGCT",
    )
    m.tag("endif")
    m.tag("if autorite.visa_nomination")
    m.para("{{ autorite.visa_nomination }}")
    m.tag("endif")
    m.tag("if autorite.visa_delegation")
    m.para("{{ autorite.visa_delegation }}")
    m.tag("endif")
    m.para(
        "Vu l'appel à projets « Financement de la transformation numérique des collectivités territoriales » du "
        "fonds France Relance pour l'innovation et la transformation numérique des collectivités territoriales "
        "(axe 3, guichet déconcentré), doté de {{ appel.enveloppe }} pour les collectivités du département de "
        "l'Ain ;",
        source=CALL + " : « 297 000 € sont dédiés aux collectivités territoriales au sein département "
        "de l’Ain » ; « Les porteurs des projets retenus se verront mettre à disposition les crédits par voie de "
        "subvention. »",
        mention="Visa de l'appel à projets",
    )
    m.para(
        "Vu la demande de subvention déposée{% if date_depot %} le {{ date_depot }}{% endif %} au nom de "
        "« {{ beneficiaire.nom }} » (dossier n° {{ numero_dossier }}) ;"
    )
    m.tag("if decision.date_comite")
    m.para("Vu l'avis du comité de programmation réuni le {{ decision.date_comite }} ;")
    m.tag("endif")
    m.tag("if autorite.sur_proposition_de")
    m.para("Sur proposition de {{ autorite.sur_proposition_de }},")
    m.tag("endif")


def payment_terms(m: Model, subject: str) -> None:
    m.para(
        f"{subject} est versée sur justification de la réalisation du projet et de sa conformité à la présente "
        "décision, selon les modalités suivantes :",
        source=D2018_ART12,
        mention="Modalités de versement",
    )
    m.bullet(
        "une avance de {{ versement.avance_maximum }} au plus du montant maximum" + CEILING_SOURCE + ", soit "
        "{{ versement.avance_montant }}, peut être versée à la demande du bénéficiaire au commencement "
        "d'exécution du projet, sur production du premier acte juridique qui l'engage (bon de commande, "
        "marché ou devis signé) ;"
    )
    m.bullet(
        "des acomptes peuvent être versés au fur et à mesure de l'avancement du projet, sur production d'un "
        "état des dépenses acquittées visé par le comptable public ; l'avance et les acomptes ne peuvent "
        "excéder ensemble {{ versement.acomptes_maximum }} du montant maximum" + CEILING_SOURCE + ", soit "
        "{{ versement.acomptes_montant }} ;"
    )
    m.bullet(
        "le solde est versé après l'achèvement du projet, sur production d'un état récapitulatif des dépenses "
        "réalisées, visé par le comptable public, et d'un compte rendu de réalisation, transmis au plus tard "
        "le {{ calendrier.justificatifs_au_plus_tard }}."
    )
    m.para("Les versements sont effectués par virement sur le compte du bénéficiaire ouvert auprès du Trésor public.")
    m.tag("if imputation")
    m.para("La dépense est imputée sur {{ imputation }}.", source=ACCOUNTING, mention="Imputation budgétaire")
    m.tag("endif")
    m.tag("if comptable")
    m.para("Le comptable assignataire est {{ comptable }}.", source=ACCOUNTING, mention="Comptable assignataire")
    m.tag("endif")


def repayment_terms(m: Model) -> None:
    m.para(
        "Le reversement total ou partiel des sommes versées est exigé :",
        source=D2018_ART14,
        mention="Conditions de reversement",
    )
    m.bullet(
        "si l'objet de la subvention ou l'affectation de l'investissement subventionné a été modifié sans "
        "autorisation ;"
    )
    m.tag("if derogation.reference")
    m.bullet(
        "si le montant total des aides publiques perçues dépasse la dépense subventionnable, ou le plafond que permet "
        "la dérogation accordée par {{ derogation.reference }} ;"
    )
    m.tag("else")
    m.bullet(
        "si le montant total des aides publiques perçues dépasse la dépense subventionnable, ou si la "
        "participation minimale du maître d'ouvrage prévue à l'article L. 1111-10 du code général des "
        "collectivités territoriales n'est pas respectée ;"
    )
    m.tag("endif")
    m.bullet(
        "si le projet n'a reçu aucun commencement d'exécution ou n'est pas achevé dans les délais fixés ci-dessus ;"
    )
    m.bullet("à concurrence des sommes versées au-delà du montant définitif de la subvention (trop-perçu).")


def calculation(m: Model) -> None:
    m.para(
        "La dépense subventionnable retenue s'élève à {{ assiette }} hors taxes{% if a_investissement and "
        "a_fonctionnement %}, dont {{ assiette_investissement }} de dépenses d'investissement et "
        "{{ assiette_fonctionnement }} de dépenses de fonctionnement{% elif a_fonctionnement %}, en dépenses de "
        "fonctionnement{% else %}, en dépenses d'investissement{% endif %}. Le taux de subvention est de {{ taux }} "
        "de cette dépense.",
        source=D2018_ART8,
        mention="Dépense subventionnable et taux",
    )
    m.para(
        "Le montant maximum de la subvention a été calculé comme suit :",
        keep_next=True,
        source="Explication des règles (xlplugin.rules.explain) : assiette, taux (tranche de population et "
        "modulations du règlement), montant (le plus petit des plafonds, arrondi à l'euro inférieur) ; "
        "décret n° 2018-514, art. 8, 3°.",
        mention="Modalités de calcul",
    )
    m.tag("for ligne in calcul")
    m.bullet("{{ ligne }}", size=9.5)
    m.tag("endfor")
    m.tag("if a_fonctionnement and a_investissement")
    m.para(
        "Au même taux, le montant maximum porte pour {{ montant_investissement }} sur la part d'investissement, régie "
        "par le décret n° 2018-514 du 25 juin 2018, et pour {{ montant_fonctionnement }} sur la part de "
        "fonctionnement, qui n'en relève pas : celle-ci est attribuée sur le fondement de l'article 9-1 de la loi "
        "n° 2000-321 du 12 avril 2000, et le présent acte lui rend applicables ses règles de versement, de caducité "
        "et de reversement.",
        source=OPERATING,
        mention="Fondement de la part de fonctionnement",
    )
    m.tag("endif")
    m.tag("if a_fonctionnement and not a_investissement")
    m.para(
        "La dépense subventionnable ne comporte que des dépenses de fonctionnement, qui ne relèvent pas du décret "
        "n° 2018-514 du 25 juin 2018 : la subvention est attribuée sur le fondement de l'article 9-1 de la loi "
        "n° 2000-321 du 12 avril 2000, et le présent acte fixe ses règles de versement, de caducité et de reversement.",
        source=OPERATING,
        mention="Fondement d'une subvention de fonctionnement",
    )
    m.tag("endif")
    m.para(
        "Le montant définitif de la subvention est égal au taux de {{ taux }} appliqué aux dépenses éligibles "
        "réellement exécutées et justifiées, soit le montant maximum multiplié par le rapport entre ces dépenses et la "
        "dépense subventionnable de {{ assiette }} ; il ne peut excéder le montant maximum fixé ci-dessus, ni porter "
        "le montant total des aides publiques au-delà de la dépense subventionnable.",
        source=FINAL_AMOUNT,
        mention="Montant définitif (un seul taux)",
    )


def calendar(m: Model) -> None:
    m.para(
        "La subvention est attribuée à la condition, fixée par l'appel à projets, que le projet reçoive un "
        "commencement d'exécution au plus tard le {{ calendrier.debut_au_plus_tard }} et soit achevé au plus tard "
        "le {{ calendrier.fin_au_plus_tard }}. Le bénéficiaire prévoit de le démarrer le {{ projet.date_debut }} et "
        "de l'achever le {{ projet.date_fin }} (date prévisionnelle d'achèvement).",
        source=CALENDAR,
        mention="Calendrier de réalisation (conditions de la subvention)",
    )
    m.para(
        "Le bénéficiaire informe le {{ service.nom }} du commencement d'exécution du projet, qui ne peut précéder la "
        "réception de sa demande.",
        source=START_RULE,
        mention="Commencement d'exécution après la demande",
    )
    m.para(
        "Si, à l'expiration d'un délai de {{ caducite.delai }} à compter de la notification du présent acte, le "
        "projet n'a reçu aucun commencement d'exécution, sa caducité est constatée (décret n° 2018-514 du 25 juin "
        "2018, art. 11 ; pour la part de fonctionnement, condition de la présente subvention)"
        "{% if caducite.prorogation %} ; sa validité peut exceptionnellement être prorogée pour "
        "{{ caducite.prorogation }} au plus{% endif %}. Les sommes éventuellement versées sont alors reversées.",
        source=LAPSE,
        mention="Caducité (décret n° 2018-514, art. 11)",
    )


def make_arrete() -> Model:
    m = Model(ARRETE)
    m.letterhead([("{{ service.nom }}", True), ("Dossier n° {{ numero_dossier }}", False)])
    m.para("ARRÊTÉ n° {{ decision.numero_arrete }}", bold=True, size=13, align="center", after=2)
    m.para(
        "portant attribution d'une subvention de l'État au titre du fonds France Relance pour l'innovation et "
        "la transformation numérique des collectivités territoriales (axe 3) – {{ beneficiaire.nom }}",
        bold=True,
        align="center",
        after=12,
    )
    visas(m)
    m.para("ARRÊTE", bold=True, size=12, align="center", before=10, after=8, keep_next=True)

    m.article("Article 1er – Objet et montant de la subvention")
    m.para(
        "Une subvention d'un montant maximum de {{ montant }} ({{ montant_lettres }}) est attribuée au "
        "bénéficiaire suivant : {{ beneficiaire.nom }} ({{ beneficiaire.type }}, SIRET {{ beneficiaire.siret }}), "
        "pour la réalisation du projet « {{ projet.intitule }} » (dossier n° {{ numero_dossier }}).",
        source=AMOUNT,
        mention="Bénéficiaire, projet, montant maximum en chiffres et en lettres",
    )
    m.para("Le projet relève de l'appel à projets au titre de : {{ projet.axes }}.")
    m.tag("if projet.partenaires")
    m.para("Il est mené en commun avec : {{ projet.partenaires }}.")
    m.tag("endif")

    m.article("Article 2 – Dépense subventionnable et calcul de la subvention")
    calculation(m)

    m.article("Article 3 – Calendrier de réalisation")
    calendar(m)

    m.article("Article 4 – Modalités de versement")
    payment_terms(m, "La subvention")

    m.article("Article 5 – Reversement")
    repayment_terms(m)

    m.article("Article 6 – Publicité")
    m.para(
        "Le bénéficiaire fait mention du soutien de l'État au titre du plan France Relance dans sa communication "
        "relative au projet.",
        source=PUBLICITY,
        mention="Publicité du soutien de l'État",
    )

    m.article("Article 7 – Voies et délais de recours")
    m.appeals(
        "La présente décision peut être contestée devant le {{ recours.tribunal }} dans un délai de deux mois "
        f"à compter de sa notification {APPEAL_DELAY}. Dans le même délai, un recours gracieux peut être adressé à "
        f"l'auteur de la décision ; il interrompt le délai du recours contentieux {APPEAL_INTERRUPTION}."
    )

    m.article("Article 8 – Exécution")
    m.para("{{ autorite.execution }}")
    m.signature()
    return m


def letter_head(m: Model, subject: str, attachment: str | None) -> None:
    m.letterhead([("{{ service.nom }}", True), ("{{ lieu }}, le {{ decision.date }}", False)])
    for line, bold in (
        ("{{ autorite.titre }}", True),
        ("à", False),
        ("{{ destinataire.qualite }}", False),
        ("{{ beneficiaire.nom }}", True),
    ):
        m.para(line, bold=bold, align="left", indent=9.0, after=0)
    m.tag("if beneficiaire.adresse")
    m.para("{{ beneficiaire.adresse }}", align="left", indent=9.0, after=0)
    m.tag("endif")
    m.para("", after=14)
    m.para("Objet : " + subject, bold=True, align="left", after=0)
    m.para(
        "Réf. : dossier n° {{ numero_dossier }}"
        + (" – arrêté n° {{ decision.numero_arrete }} du {{ decision.date }}" if attachment else ""),
        align="left",
        after=0,
    )
    if attachment:
        m.para("P. J. : " + attachment, align="left", after=0)
    m.para("", after=10)
    m.para("{{ destinataire.appel }},", align="left", after=8)


def closing(m: Model) -> None:
    m.para("Je vous prie d'agréer, {{ destinataire.appel }}, l'expression de ma considération distinguée.", before=6)
    m.signature(date_line=False)


def make_notification() -> Model:
    m = Model(NOTIFICATION)
    letter_head(
        m,
        "notification d'une subvention de l'État – France Relance, transformation numérique des "
        "collectivités territoriales",
        "arrêté attributif de subvention",
    )
    m.para(
        "J'ai le plaisir de vous informer que, par l'arrêté cité en référence et joint à la présente lettre, une "
        "subvention d'un montant maximum de {{ montant }} ({{ montant_lettres }}) est attribuée à "
        "« {{ beneficiaire.nom }} » pour le projet « {{ projet.intitule }} ». Le taux de subvention est de "
        "{{ taux }} de la dépense subventionnable retenue, soit {{ assiette }} hors taxes ; le montant versé suit ce "
        "taux, appliqué aux dépenses réalisées et justifiées.",
        source="Décret n° 2018-514, art. 8, dernier alinéa : seule la décision attributive régulièrement notifiée "
        "vaut accord de financement.",
        mention="Notification de la décision",
    )
    m.tag("if reduit")
    m.para(
        "Il tient compte de la répartition de l'enveloppe départementale de {{ appel.enveloppe }} entre les "
        "projets retenus : les règles de l'appel conduisaient à {{ montant_regles }}."
    )
    m.tag("endif")
    m.para(
        "Le projet doit avoir reçu un commencement d'exécution au plus tard le {{ calendrier.debut_au_plus_tard }} "
        "et être achevé au plus tard le {{ calendrier.fin_au_plus_tard }}. Je vous remercie d'informer le "
        "{{ service.nom }} de son commencement d'exécution.",
        source=CALENDAR,
        mention="Calendrier",
    )
    m.para(
        "Pour obtenir le versement de la subvention, vous adresserez au {{ service.nom }} "
        "({{ service.courriel }}) : pour l'avance, d'au plus {{ versement.avance_montant }}, le premier acte "
        "juridique qui engage le projet ; pour les acomptes, l'état des dépenses acquittées ; pour le solde, au "
        "plus tard le {{ calendrier.justificatifs_au_plus_tard }}, l'état récapitulatif des dépenses réalisées "
        "visé par le comptable public et un compte rendu de réalisation. L'arrêté précise les cas dans lesquels "
        "les sommes versées doivent être reversées.",
        source=D2018_ART12,
        mention="Versement",
    )
    m.appeals(
        "Cette décision peut être contestée devant le {{ recours.tribunal }} dans un délai de deux mois à "
        f"compter de sa notification {APPEAL_DELAY} ; un recours gracieux, dans le même délai, interrompt ce délai "
        f"{APPEAL_INTERRUPTION}."
    )
    closing(m)
    return m


def make_refusal() -> Model:
    m = Model(REFUSAL)
    letter_head(
        m, "demande de subvention – France Relance, transformation numérique des collectivités territoriales", None
    )
    m.para(
        "Vous avez sollicité{% if date_depot %}, le {{ date_depot }},{% endif %} une subvention de l'État au titre "
        "de l'appel à projets « Financement de la transformation numérique des collectivités territoriales » "
        "(fonds France Relance, axe 3) pour le projet « {{ projet.intitule }} »."
    )
    m.para(
        "J'ai le regret de vous informer que je ne peux pas donner une suite favorable à votre demande, pour le "
        "ou les motifs suivants, en fait et en droit :",
        keep_next=True,
        source=REFUSAL_MOTIFS,
        mention="Motifs du refus, en fait et en droit",
    )
    m.tag("for motif in motifs")
    m.bullet("En fait : {{ motif.message }}")
    m.para("En droit : {{ motif.droit }}", indent=1.0, after=6)
    m.tag("endfor")
    m.tag("if decision.date_comite")
    m.para("Cette décision a été prise après l'avis du comité de programmation réuni le {{ decision.date_comite }}.")
    m.tag("endif")
    m.para("Le {{ service.nom }} ({{ service.courriel }}) se tient à votre disposition pour tout renseignement.")
    m.appeals(
        "Cette décision peut faire l'objet, dans un délai de deux mois à compter de sa notification "
        f"{APPEAL_DELAY}, d'un recours gracieux auprès de mes services ou d'un recours contentieux devant le "
        "{{ recours.tribunal }} ; le recours gracieux, formé dans ce délai, interrompt celui du recours contentieux "
        f"{APPEAL_INTERRUPTION}."
    )
    closing(m)
    return m


def make_convention() -> Model:
    m = Model(CONVENTION)
    m.letterhead([("{{ service.nom }}", True), ("Dossier n° {{ numero_dossier }}", False)])
    m.para("CONVENTION ATTRIBUTIVE DE SUBVENTION", bold=True, size=13, align="center", after=2)
    m.para(
        "relative à l'arrêté n° {{ decision.numero_arrete }} du {{ decision.date }} – fonds France Relance pour "
        "l'innovation et la transformation numérique des collectivités territoriales (axe 3)",
        bold=True,
        align="center",
        after=12,
        source=CONVENTION_LAW,
        mention="Convention (choix local)",
    )
    m.para("Entre", bold=True, align="left")
    m.para("l'État, représenté par {{ signataire.qualite }}, ci-après désigné « l'administration »,")
    m.para("et", bold=True, align="left")
    m.para(
        "{{ beneficiaire.nom }}, {{ beneficiaire.type }} (SIRET {{ beneficiaire.siret }}), représenté par son "
        "représentant légal, ci-après désigné « le bénéficiaire »,"
    )
    m.para("il est convenu ce qui suit.", after=8)

    m.article("Article 1er – Objet")
    m.para(
        "La présente convention fixe les conditions dans lesquelles l'administration apporte au bénéficiaire une "
        "subvention d'un montant maximum de {{ montant }} ({{ montant_lettres }}) pour la réalisation du projet "
        "« {{ projet.intitule }} » (dossier n° {{ numero_dossier }}).",
        source=AMOUNT,
        mention="Objet et montant de la convention",
    )
    m.article("Article 2 – Dépense subventionnable et calcul de la subvention")
    calculation(m)
    m.article("Article 3 – Calendrier de réalisation")
    calendar(m)
    m.article("Article 4 – Engagements du bénéficiaire")
    m.para(
        "Le bénéficiaire s'engage à réaliser le projet décrit dans sa demande, à informer sans délai "
        "l'administration de toute modification de son contenu, de son calendrier ou de son plan de "
        "financement, à faire mention du soutien de l'État au titre du plan France Relance et à permettre le "
        "contrôle de l'emploi de la subvention sur pièces et sur place.",
        source=PUBLICITY,
        mention="Engagements du bénéficiaire (choix local)",
    )
    m.article("Article 5 – Modalités de versement")
    payment_terms(m, "La subvention")
    m.article("Article 6 – Reversement")
    repayment_terms(m)
    m.article("Article 7 – Modification et litiges")
    m.para(
        "Toute modification de la présente convention fait l'objet d'un avenant. Les litiges relatifs à son "
        "exécution relèvent du {{ recours.tribunal }}."
    )
    m.para("Fait à {{ lieu }}, le {{ decision.date }}, en deux exemplaires originaux.", before=12)
    table = m.doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    _cell_lines(left, [("Pour le bénéficiaire,", True, 10.5, "plain"), ("son représentant légal", False, 10.5, None)])
    _cell_lines(
        right,
        [
            ("Pour l'État,", True, 10.5, "plain"),
            ("{{ signataire.qualite }}", False, 10.5, None),
            ("", False, 10.5, None),
            ("", False, 10.5, None),
            ("", False, 10.5, None),
            ("{{ signataire.nom }}", True, 10.5, "plain"),
        ],
    )
    return m


def readme_tables(models: list[Model]) -> str:
    lines = ["<!-- Écrit par tools/make_document_models.py : ne pas modifier à la main. -->", ""]
    lines += ["### Les balises des modèles", "", "| Balise | Ce qu'elle contient |", "|---|---|"]
    for path, meaning in PLACEHOLDERS.items():
        tag = path.replace("[]", "") if not path.endswith("[]") else path[:-2]
        shown = f"`{{{{ {tag} }}}}`" if "[]" not in path else f"`{path}` (dans une boucle)"
        lines.append(f"| {shown} | {meaning} |")
    lines += ["", "### Mentions exigées (un modèle qui en perd une est refusé)", ""]
    for kind, required in REQUIRED.items():
        lines.append(f"**{TITLES[kind]}** (`{kind}.docx`) :")
        lines.append("")
        for path, source in required.items():
            lines.append(f"- `{path}` — {source}")
        lines.append("")
    lines += ["### Sources citées dans les commentaires des modèles", ""]
    for m in models:
        lines.append(f"**{TITLES[m.kind]}** (`{m.kind}.docx`) :")
        lines.append("")
        for mention, source in m.sources:
            lines.append(f"- *{mention}* — {source}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


README_MARK = "<!-- tables -->"


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    models = [make_arrete(), make_notification(), make_refusal(), make_convention()]
    for m in models:
        print(f"écrit : {m.save(folder)}")
    readme = folder / "LISEZMOI.md"
    head = readme.read_text(encoding="utf-8").split(README_MARK)[0] if readme.exists() else ""
    readme.write_text(head + README_MARK + "\n" + readme_tables(models), encoding="utf-8")
    print(f"écrit : {readme}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "templates" / "documents")

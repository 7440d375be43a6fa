"""The placeholders of the Word models and the values they take for one decided dossier.

``PLACEHOLDERS`` is the vocabulary an office may use in a model (``{{ beneficiaire.nom }}``, ``{{ montant_lettres }}``,
``{%p for motif in motifs %}{{ motif.message }}…``), each with what it holds; ``REQUIRED`` lists, for each kind of
document, the placeholders that carry a mention the law or the call requires (a model that lost one is refused).
``document_context`` gives the values: every amount already written in French, in figures and in words.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from num2words import num2words

from xlplugin.documents.french import euros, euros_in_words, long_date, percent, short_date
from xlplugin.documents.record import DecisionRecord
from xlplugin.documents.settings import DocumentSettings, proof_deadline
from xlplugin.rules import Reglement
from xlplugin.rules.payments import ceiling

ARRETE = "arrete-attributif"
NOTIFICATION = "lettre-notification"
REFUSAL = "lettre-refus"
CONVENTION = "convention"
CENT = Decimal("0.01")
KINDS = (ARRETE, NOTIFICATION, REFUSAL, CONVENTION)
TITLES = {
    ARRETE: "arrêté attributif de subvention",
    NOTIFICATION: "lettre de notification",
    REFUSAL: "lettre de refus",
    CONVENTION: "convention attributive de subvention",
}

# Placeholder → what it holds. « [] » marks a list, used in a loop: {%p for motif in motifs %}.
PLACEHOLDERS: dict[str, str] = {
    "numero_dossier": "numéro du dossier sur démarches-simplifiées",
    "date_depot": "date de dépôt du dossier, en toutes lettres (vide si inconnue)",
    "beneficiaire.nom": "nom du bénéficiaire (porteur du projet)",
    "beneficiaire.siret": "SIRET du bénéficiaire",
    "beneficiaire.type": "type de structure (commune, EPCI à fiscalité propre, syndicat intercommunal)",
    "beneficiaire.commune": "commune du bénéficiaire ou de son siège (COG 2021)",
    "beneficiaire.code_insee": "code INSEE de cette commune",
    "beneficiaire.adresse": (
        "adresse postale du bénéficiaire (colonne « Adresse du bénéficiaire » : celle du SIRET reprise de "
        "démarches-simplifiées, ou saisie par le bureau ; vide sinon)"
    ),
    "destinataire.qualite": "destinataire du courrier : « Madame ou Monsieur le Maire »…",
    "destinataire.appel": "formule d'appel : « Madame la Maire, Monsieur le Maire »…",
    "projet.intitule": "intitulé du projet",
    "projet.axes": "axes de l'appel dont relève le projet, séparés par des points-virgules",
    "projet.date_debut": "date de démarrage prévue par le porteur, en toutes lettres",
    "projet.date_fin": "date d'achèvement prévue par le porteur (date prévisionnelle d'achèvement)",
    "projet.partenaires": "structures associées d'un projet commun, séparées par des virgules (vide sinon)",
    "assiette": "dépense subventionnable retenue (assiette éligible, HT), en chiffres",
    "assiette_investissement": "part d'investissement de l'assiette, en chiffres",
    "assiette_fonctionnement": "part de fonctionnement de l'assiette, en chiffres",
    "a_investissement": "vrai quand l'assiette comporte une part d'investissement (décret n° 2018-514)",
    "a_fonctionnement": "vrai quand l'assiette comporte une part de fonctionnement",
    "taux": "le taux de subvention, le même dans tous les documents : montant maximum rapporté à la dépense "
    "subventionnable (« 80,25 % ») ; le montant définitif le suit",
    "taux_effectif": "le même taux (ancien nom, gardé pour les modèles modifiés)",
    "taux_regles": "taux de financement selon les règles de l'appel, avant la répartition (une étape du calcul)",
    "montant": "montant maximum de la subvention accordée, en chiffres (« 19 200 € »)",
    "montant_investissement": "part du montant maximum sur les dépenses d'investissement (au prorata), en chiffres",
    "montant_fonctionnement": "part du montant maximum sur les dépenses de fonctionnement (au prorata), en chiffres",
    "montant_lettres": "le même montant en lettres (« dix-neuf mille deux cents euros »)",
    "montant_regles": "montant que donnent les règles avant la répartition de l'enveloppe, en chiffres",
    "reduit": "vrai quand le montant accordé est inférieur à celui des règles (reliquat de l'enveloppe)",
    "calcul[]": "lignes de calcul de l'assiette, du taux et du montant (modalités de calcul)",
    "explication[]": "explication complète des règles, ligne par ligne",
    "motifs[].code": "code du motif de refus (PROJET_HORS_AXES, ENVELOPPE_EPUISEE…)",
    "motifs[].message": "motif de refus, en français : les faits du dossier",
    "motifs[].droit": "fondement en droit du motif (phrase de l'appel, texte de loi, règle fixée pour l'appel)",
    "rang": "rang du dossier dans le classement (vide s'il n'est pas classé)",
    "note": "note sur 100 (vide si non notée)",
    "decision.date": "date de la décision, en toutes lettres",
    "decision.date_courte": "date de la décision, JJ/MM/AAAA",
    "decision.numero_arrete": "numéro de l'arrêté (pointillés s'il n'est pas encore attribué)",
    "decision.date_comite": "date du comité de programmation, en toutes lettres (vide sinon)",
    "decision.ej_chorus": "numéro d'engagement juridique Chorus (vide sinon)",
    "calendrier.debut_au_plus_tard": "date limite de démarrage de l'appel (règlement)",
    "calendrier.fin_au_plus_tard": "date limite de mise en œuvre de l'appel (règlement)",
    "calendrier.justificatifs_au_plus_tard": "date limite de transmission des justificatifs de l'achèvement",
    "versement.avance_maximum": "avance maximum, en pourcentage du montant (« 30 % »)",
    "versement.avance_montant": "avance maximum, en euros",
    "versement.acomptes_maximum": "plafond de l'avance et des acomptes, en pourcentage (« 80 % »)",
    "versement.acomptes_montant": "ce plafond, en euros",
    "appel.intitule": "intitulé de l'appel à projets (règlement)",
    "appel.enveloppe": "enveloppe départementale, en chiffres",
    "appel.plafond_par_dossier": "plafond par dossier, en chiffres",
    "attribuant.nom": "nom de l'autorité qui attribue la subvention",
    "autorite.titre": "« Le préfet de l'Ain »",
    "autorite.distinctions[]": "distinctions de l'autorité, une par ligne",
    "autorite.visa_nomination": "visa du décret de nomination (vide sinon)",
    "autorite.visa_delegation": "visa de l'arrêté de délégation de signature (vide sinon)",
    "autorite.sur_proposition_de": "« la secrétaire générale de la préfecture »… (vide sinon)",
    "autorite.execution": "article d'exécution de l'arrêté",
    "signataire.nom": "prénom et nom du signataire",
    "signataire.qualite": "qualité du signataire",
    "service.nom": "service instructeur",
    "service.adresse": "adresse postale du service",
    "service.courriel": "adresse électronique du service",
    "lieu": "lieu de signature (« Bourg-en-Bresse »)",
    "recours.tribunal": "tribunal administratif compétent",
    "recours.telerecours_obligatoire": "vrai quand le bénéficiaire doit saisir le juge par Télérecours (EPCI, "
    "syndicat, commune d'au moins 3 500 habitants : code de justice administrative, art. R. 414-1)",
    "caducite.delai": "délai au terme duquel la décision est caduque sans commencement d'exécution (« deux ans »)",
    "caducite.prorogation": "prorogation exceptionnelle au plus (« un an »)",
    "derogation.fondement": "fondement légal de la dérogation à l'article L. 1111-10 du CGCT (vide sans dérogation)",
    "derogation.texte": "texte qui prévoit cette dérogation",
    "derogation.reference": "décision qui accorde la dérogation, saisie par le bureau (vide sans dérogation)",
    "plafond_legal": "plafond des aides publiques sans dérogation (CGCT, art. L. 1111-10, III), en chiffres",
    "imputation": "imputation budgétaire (vide sinon)",
    "comptable": "comptable public assignataire (vide sinon)",
}

# Mentions each kind of document must keep, with their source (checked before anything is written).
REQUIRED: dict[str, dict[str, str]] = {
    ARRETE: {
        "beneficiaire.nom": "décret n° 2018-514, art. 8, 1° (identification du bénéficiaire)",
        "beneficiaire.siret": "décret n° 2018-514, art. 8, 1° (identification du bénéficiaire)",
        "projet.intitule": "décret n° 2018-514, art. 8, 2° (désignation du projet)",
        "assiette": "décret n° 2018-514, art. 8, 2° (montant de la dépense subventionnable)",
        "taux": "décret n° 2018-514, art. 8, 3° (modalités de calcul)",
        "montant": "décret n° 2018-514, art. 8, 3° (montant maximum de la subvention)",
        "montant_lettres": "usage des actes attributifs : montant en chiffres et en lettres",
        "calcul[]": "décret n° 2018-514, art. 8, 3° (modalités de calcul)",
        "projet.date_fin": "décret n° 2018-514, art. 8, 4° (date prévisionnelle d'achèvement)",
        "calendrier.debut_au_plus_tard": "appel à projets : démarrage au 31 décembre 2021",
        "calendrier.fin_au_plus_tard": "appel à projets : mise en œuvre au plus tard au 31/12/2022",
        "versement.avance_maximum": "décret n° 2018-514, art. 8, 5°, et art. 12 (modalités de versement)",
        "recours.tribunal": "code de justice administrative, art. R. 421-1 et R. 421-5 (voies et délais de recours)",
        "recours.telerecours_obligatoire": "code de justice administrative, art. R. 414-1 (Télérecours obligatoire)",
        "caducite.delai": "décret n° 2018-514, art. 11 (caducité faute de commencement d'exécution)",
        "derogation.reference": "code général des collectivités territoriales, art. L. 1111-10, III (dérogation citée)",
        "signataire.nom": "code des relations entre le public et l'administration, art. L. 212-1",
        "signataire.qualite": "code des relations entre le public et l'administration, art. L. 212-1",
    },
    NOTIFICATION: {
        "beneficiaire.nom": "destinataire de la notification",
        "montant": "montant notifié, en chiffres",
        "montant_lettres": "montant notifié, en lettres",
        "taux": "le taux de subvention de l'arrêté notifié (un seul taux dans tous les documents)",
        "decision.numero_arrete": "référence de l'arrêté notifié",
        "recours.tribunal": "code de justice administrative, art. R. 421-5 (voies et délais de recours)",
        "recours.telerecours_obligatoire": "code de justice administrative, art. R. 414-1 (Télérecours obligatoire)",
        "signataire.nom": "code des relations entre le public et l'administration, art. L. 212-1",
    },
    REFUSAL: {
        "beneficiaire.nom": "destinataire de la décision",
        "projet.intitule": "projet refusé",
        "motifs[].message": "motifs du refus, en fait (code des relations entre le public et l'administration, "
        "art. L. 211-5)",
        "motifs[].droit": "motifs du refus, en droit (code des relations entre le public et l'administration, "
        "art. L. 211-5)",
        "recours.tribunal": "code de justice administrative, art. R. 421-5 (voies et délais de recours)",
        "recours.telerecours_obligatoire": "code de justice administrative, art. R. 414-1 (Télérecours obligatoire)",
        "signataire.nom": "code des relations entre le public et l'administration, art. L. 212-1",
    },
    CONVENTION: {
        "beneficiaire.nom": "loi n° 2000-321, art. 10 (parties à la convention)",
        "projet.intitule": "loi n° 2000-321, art. 10 (objet de la subvention)",
        "montant": "loi n° 2000-321, art. 10 (montant)",
        "montant_lettres": "montant en lettres",
        "versement.avance_maximum": "loi n° 2000-321, art. 10 (modalités de versement)",
        "signataire.nom": "code des relations entre le public et l'administration, art. L. 212-1",
    },
}


def e_filing_required(record: DecisionRecord, settings: DocumentSettings) -> bool:
    """Whether the beneficiary must seize the judge through Télérecours (CJA, art. R. 414-1): a legal person of
    public law other than a commune below the settings' population (an EPCI, a syndicat, a département); a
    commune whose population is unknown is told so too (the safe side: Télérecours is open to all)."""
    if record.beneficiary_kind == "commune":
        population = record.beneficiary_population
        return population is None or population >= settings.e_filing_from
    return record.beneficiary_kind in PUBLIC_BODIES


PUBLIC_BODIES = ("epci_fp", "syndicat", "departement")


def in_words(months: int) -> str:
    """« deux ans », « dix-huit mois », « un an »."""
    if months and months % 12 == 0:
        years = months // 12
        return f"{num2words(years, lang='fr')} an{'s' if years > 1 else ''}"
    return f"{num2words(months, lang='fr')} mois"


def document_context(record: DecisionRecord, settings: DocumentSettings, reglement: Reglement) -> dict[str, Any]:
    """The values of every placeholder for ``record`` (keys as in ``PLACEHOLDERS``)."""
    amount = record.amount
    rate = record.grant_rate
    invested, operated = record.amount_split
    derogation = record.derogation
    return {
        "numero_dossier": str(record.number),
        "date_depot": long_date(record.submitted_at.date()) if record.submitted_at else "",
        "beneficiaire": {
            "nom": record.beneficiary_name,
            "siret": record.beneficiary_siret,
            "type": _in_sentence(record.beneficiary_kind_label),
            "commune": record.commune,
            "code_insee": record.code_insee,
            "adresse": record.address,
        },
        "destinataire": {"qualite": record.recipient, "appel": record.salutation},
        "projet": {
            "intitule": record.project_title,
            "axes": " ; ".join(record.project_kinds),
            "date_debut": long_date(record.project_start),
            "date_fin": long_date(record.project_end),
            "partenaires": ", ".join(record.partners),
        },
        "assiette": euros(record.eligible_cost),
        "assiette_investissement": euros(record.investment),
        "assiette_fonctionnement": euros(record.operating),
        "a_investissement": record.investment > 0,
        "a_fonctionnement": record.operating > 0,
        "taux": percent(rate) if rate is not None else "",
        "taux_effectif": percent(rate) if rate is not None else "",
        "taux_regles": percent(record.rate) if record.rate is not None else "",
        "montant": euros(amount),
        "montant_investissement": euros(invested),
        "montant_fonctionnement": euros(operated),
        "montant_lettres": euros_in_words(amount),
        "montant_regles": euros(record.proposed) if record.proposed is not None else "",
        "reduit": record.partial,
        "calcul": list(record.calculation),
        "explication": list(record.explanation),
        "motifs": [{"code": m.code, "message": m.message, "droit": m.law} for m in record.motifs],
        "rang": str(record.rank) if record.rank is not None else "",
        "note": f"{record.score:.2f}".replace(".", ",") if record.score is not None else "",
        "decision": {
            "date": long_date(record.decided_on),
            "date_courte": short_date(record.decided_on),
            "numero_arrete": record.order_number or "……………",
            "date_comite": long_date(record.committee_on) if record.committee_on else "",
            "ej_chorus": record.chorus_commitment,
        },
        "calendrier": {
            "debut_au_plus_tard": long_date(reglement.latest_start),
            "fin_au_plus_tard": long_date(reglement.latest_end),
            "justificatifs_au_plus_tard": long_date(proof_deadline(reglement, settings)),
        },
        "versement": {
            "avance_maximum": percent(reglement.advance_max),
            "avance_montant": euros(ceiling(amount, reglement.advance_max)),
            "acomptes_maximum": percent(reglement.instalments_max),
            "acomptes_montant": euros(ceiling(amount, reglement.instalments_max)),
        },
        "appel": {
            "intitule": reglement.title,
            "enveloppe": euros(reglement.envelope),
            "plafond_par_dossier": euros(reglement.cap_per_dossier),
        },
        "attribuant": {"nom": settings.grantor_name},
        "autorite": {
            "titre": settings.authority_title,
            "distinctions": list(settings.authority_honours),
            "visa_nomination": settings.appointment_visa,
            "visa_delegation": settings.delegation_visa,
            "sur_proposition_de": settings.proposed_by,
            "execution": settings.execution,
        },
        "signataire": {"nom": settings.signatory_name, "qualite": settings.signatory_title},
        "service": {
            "nom": settings.service_name,
            "adresse": settings.service_address,
            "courriel": settings.service_email,
        },
        "lieu": settings.place,
        "recours": {"tribunal": settings.court, "telerecours_obligatoire": e_filing_required(record, settings)},
        "caducite": {
            "delai": in_words(settings.lapse_months),
            "prorogation": in_words(settings.lapse_extension_months) if settings.lapse_extension_months else "",
        },
        "derogation": {
            "fondement": derogation.ground if derogation else "",
            "texte": derogation.text if derogation else "",
            "reference": derogation.reference if derogation else "",
        },
        "plafond_legal": euros(record.legal_cap) if record.legal_cap is not None else "",
        "imputation": settings.budget_line,
        "comptable": settings.accountant,
    }


def _in_sentence(label: str) -> str:
    """« Commune » → « commune » inside a sentence; « EPCI à fiscalité propre » stays as it is."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]

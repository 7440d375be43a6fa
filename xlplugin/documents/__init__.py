"""Decision documents: arrêtés, notification and refusal letters, conventions, the committee's list, publication.

From the rules' evaluations, the envelope's allocation and the office's decisions:

- ``build_records`` joins them into one ``DecisionRecord`` per decided dossier (``record``);
- ``render_documents`` fills the Word models of ``templates/documents/`` (docxtpl) after checking their
  placeholders, writes a ZIP and, with LibreOffice, PDF copies (``render``, ``models``, ``pdf``); in two steps,
  ``plan_documents`` judges what the output folder already holds (a signed decision, a file that would change:
  ``folder``) and ``write_documents`` does it;
- ``committee_list`` and ``write_committee_xlsx`` give the « état récapitulatif » (``committee``);
- ``write_scdl_csv`` writes the essential data in the national SCDL « subventions » format (``scdl``);
- ``payment_balance`` says what is still to pay and what was over-paid (``payments``).

Vocabulary: arrêté attributif → grant order (``ARRETE``) · assiette → eligible cost · avance, acompte, solde →
advance, instalment, balance · reste à payer → remaining · trop-perçu → overpaid · comité de programmation →
committee · données essentielles → essential data (SCDL).
"""

from xlplugin.documents.committee import (
    CommitteeError,
    CommitteeLine,
    CommitteeList,
    committee_list,
    write_committee_pdf,
    write_committee_xlsx,
)
from xlplugin.documents.context import (
    ARRETE,
    CONVENTION,
    NOTIFICATION,
    PLACEHOLDERS,
    REFUSAL,
    REQUIRED,
    document_context,
)
from xlplugin.documents.french import euros, euros_in_words, long_date, percent
from xlplugin.documents.models import ModelCheck, ModelError, check_model
from xlplugin.documents.payments import Payment, PaymentBalance, payment_balance, payment_warnings
from xlplugin.documents.pdf import PdfError, convert_to_pdf, find_soffice
from xlplugin.documents.record import (
    GRANTED,
    REFUSED,
    DecisionError,
    DecisionRecord,
    Motif,
    OfficeDecision,
    build_record,
    build_records,
)
from xlplugin.documents.render import (
    DocumentError,
    DocumentPlan,
    RenderedDocument,
    RenderReport,
    kinds_for,
    plan_documents,
    render_documents,
    write_documents,
)
from xlplugin.documents.scdl import COLUMNS as SCDL_COLUMNS
from xlplugin.documents.scdl import SCDL_VERSION, PublicationError, scdl_csv, scdl_rows, write_scdl_csv
from xlplugin.documents.settings import (
    DocumentSettings,
    DocumentSettingsError,
    default_document_settings,
    load_document_settings,
    parse_document_settings,
    settings_from_reglement,
)

__all__ = [
    "ARRETE",
    "CONVENTION",
    "GRANTED",
    "NOTIFICATION",
    "PLACEHOLDERS",
    "REFUSAL",
    "REFUSED",
    "REQUIRED",
    "SCDL_COLUMNS",
    "SCDL_VERSION",
    "CommitteeError",
    "CommitteeLine",
    "CommitteeList",
    "DecisionError",
    "DecisionRecord",
    "DocumentError",
    "DocumentPlan",
    "DocumentSettings",
    "DocumentSettingsError",
    "ModelCheck",
    "ModelError",
    "Motif",
    "OfficeDecision",
    "Payment",
    "PaymentBalance",
    "PdfError",
    "PublicationError",
    "RenderReport",
    "RenderedDocument",
    "build_record",
    "build_records",
    "check_model",
    "committee_list",
    "convert_to_pdf",
    "default_document_settings",
    "document_context",
    "euros",
    "euros_in_words",
    "find_soffice",
    "kinds_for",
    "load_document_settings",
    "long_date",
    "parse_document_settings",
    "payment_balance",
    "payment_warnings",
    "percent",
    "plan_documents",
    "render_documents",
    "scdl_csv",
    "scdl_rows",
    "settings_from_reglement",
    "write_committee_pdf",
    "write_committee_xlsx",
    "write_documents",
    "write_scdl_csv",
]

"""démarches-simplifiées (« démarche numérique »): fetching the dossiers, writing annotations and decisions back.

No Excel here: the command line (``guichet ds``, ``batch/commands/ds.py``) calls these functions.

- :func:`sync` fetches a démarche's dossiers into the folder of received files (incremental, resumable,
  bounded, one file per dossier and version, a dossier the platform cannot give set aside, deletions
  reported as they are now);
- :func:`plan_annotations` / :func:`apply_annotations` write the office's figures to the private annotations;
- :func:`plan_decisions` / :func:`apply_decisions` pass dossiers to instruction, accept, refuse, close;
  both plans read first what the platform will require (required annotations, groupes, the token's rights);
- :class:`DsClient` speaks to the API (token, rate limit, retries, bounds, French errors; a write whose
  answer is lost raises :class:`LostAnswer`, never sent again blindly); :func:`load_jeton` finds the token;
  :class:`Journal` logs every write; :func:`latest_versions` tells the intake which file of a dossier is
  current.
"""

from xlplugin.ds.annotations import (
    AnnotationChange,
    AnnotationPlan,
    AnnotationResult,
    AnnotationTarget,
    DossierFigures,
    apply_annotations,
    load_mapping,
    plan_annotations,
)
from xlplugin.ds.client import DEFAULT_API, DsClient, LostAnswer, MutationResult, graphql_endpoint
from xlplugin.ds.decisions import (
    Decision,
    DecisionPlan,
    DecisionResult,
    DecisionStep,
    apply_decisions,
    plan_decisions,
)
from xlplugin.ds.demarche import DemarcheInfo, Groupe, Instructeur, choose_instructeur, demarche_info
from xlplugin.ds.errors import (
    AccessError,
    ApiError,
    AuthError,
    ConfigurationError,
    DsError,
    JetonError,
    NetworkError,
)
from xlplugin.ds.jeton import ENV_VAR, Jeton, load_jeton
from xlplugin.ds.journal import Journal, WorkbookJournalLine, default_journal_file
from xlplugin.ds.sync import (
    DeletedDossier,
    SyncInterrupted,
    SyncProgress,
    SyncReport,
    SyncState,
    default_state_file,
    known_deletions,
    load_state,
    sync,
)
from xlplugin.intake.versions import file_name, latest_versions, parse_name, superseded

__all__ = [
    "DEFAULT_API",
    "ENV_VAR",
    "AccessError",
    "AnnotationChange",
    "AnnotationPlan",
    "AnnotationResult",
    "AnnotationTarget",
    "ApiError",
    "AuthError",
    "ConfigurationError",
    "Decision",
    "DecisionPlan",
    "DecisionResult",
    "DecisionStep",
    "DeletedDossier",
    "DemarcheInfo",
    "DossierFigures",
    "DsClient",
    "DsError",
    "Groupe",
    "Instructeur",
    "Jeton",
    "JetonError",
    "Journal",
    "LostAnswer",
    "MutationResult",
    "NetworkError",
    "SyncInterrupted",
    "SyncProgress",
    "SyncReport",
    "SyncState",
    "WorkbookJournalLine",
    "apply_annotations",
    "apply_decisions",
    "choose_instructeur",
    "default_journal_file",
    "default_state_file",
    "demarche_info",
    "file_name",
    "graphql_endpoint",
    "known_deletions",
    "latest_versions",
    "load_jeton",
    "load_mapping",
    "load_state",
    "parse_name",
    "plan_annotations",
    "plan_decisions",
    "superseded",
    "sync",
]

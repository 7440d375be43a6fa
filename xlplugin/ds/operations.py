"""The GraphQL operations the project sends to démarches-simplifiées.

The dossiers are fetched with ``templates/ds-query.graphql`` (operation ``getDemarcheDossiers``): its
dossier node is the JSON shape the intake reads. The smaller operations below are the project's own,
checked by the tests against the platform's schema (as of 2026-01) and against the tests' local server.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

DOSSIERS_QUERY_FILE = "ds-query.graphql"
GET_DOSSIERS = "getDemarcheDossiers"


@cache
def dossiers_query() -> str:
    """The document of ``templates/ds-query.graphql`` (``getDemarcheDossiers`` and ``getDossier``)."""
    return resources.files("xlplugin.templates").joinpath(DOSSIERS_QUERY_FILE).read_text(encoding="utf-8")


GET_DEMARCHE_INFO = "getDemarcheInfo"
DEMARCHE_INFO_QUERY = """
query getDemarcheInfo($demarcheNumber: Int!) {
  demarche(number: $demarcheNumber) {
    id
    number
    title
    dateCreation
    activeRevision {
      id
      annotationDescriptors {
        __typename
        id
        label
        required
      }
    }
    groupeInstructeurs {
      id
      number
      label
      closed
      instructeurs {
        id
        email
      }
    }
  }
}
"""

GET_DELETED = "getDeletedDossiers"
DELETED_QUERY = """
query getDeletedDossiers($demarcheNumber: Int!, $deletedSince: ISO8601DateTime, $first: Int, $after: String) {
  demarche(number: $demarcheNumber) {
    deletedDossiers(deletedSince: $deletedSince, first: $first, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        number
        state
        reason
        dateSupression
      }
    }
  }
}
"""

GET_PENDING_DELETED = "getPendingDeletedDossiers"
PENDING_DELETED_QUERY = """
query getPendingDeletedDossiers($demarcheNumber: Int!, $deletedSince: ISO8601DateTime, $first: Int, $after: String) {
  demarche(number: $demarcheNumber) {
    pendingDeletedDossiers(deletedSince: $deletedSince, first: $first, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        number
        state
        reason
        dateSupression
      }
    }
  }
}
"""

# Only the numbers of a page of dossiers: which dossier a page could not give (partial data names a position).
GET_DOSSIER_NUMBERS = "getDemarcheDossierNumbers"
DOSSIER_NUMBERS_QUERY = """
query getDemarcheDossierNumbers($demarcheNumber: Int!, $first: Int, $after: String, $updatedSince: ISO8601DateTime) {
  demarche(number: $demarcheNumber) {
    dossiers(first: $first, after: $after, updatedSince: $updatedSince) {
      nodes {
        number
      }
    }
  }
}
"""

_INSTRUCTION_FIELDS = """
        id
        number
        state
        dateDerniereModificationChamps
        groupeInstructeur {
          id
          number
          label
        }
        demandeur {
          __typename
          ... on PersonneMorale {
            siret
          }
          ... on PersonneMoraleIncomplete {
            siret
          }
        }
        annotations {
          id
          champDescriptorId
          __typename
          label
          stringValue
          ... on DecimalNumberChamp {
            decimalNumber: value
          }
          ... on IntegerNumberChamp {
            integerNumber: value
          }
          ... on DropDownListChamp {
            value
          }
        }
"""

# The state, groupe and private annotations of every dossier: what annotations and decisions compare with.
GET_INSTRUCTION = "getDossiersInstruction"
INSTRUCTION_QUERY = (
    """
query getDossiersInstruction($demarcheNumber: Int!, $first: Int, $after: String) {
  demarche(number: $demarcheNumber) {
    dossiers(first: $first, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {"""
    + _INSTRUCTION_FIELDS
    + """      }
    }
  }
}
"""
)

# The same, for one dossier: read before a write is sent again, and before each dossier is written.
GET_DOSSIER_INSTRUCTION = "getDossierInstruction"
DOSSIER_INSTRUCTION_QUERY = (
    """
query getDossierInstruction($dossierNumber: Int!) {
  dossier(number: $dossierNumber) {"""
    + _INSTRUCTION_FIELDS
    + """  }
}
"""
)

# Whether the token may write, asked without writing (see DsClient.writable): a dossier that cannot exist.
WRITE_PROBE = "jetonEnEcriture"
WRITE_PROBE_MUTATION = """
mutation jetonEnEcriture($input: DossierModifierAnnotationsInput!) {
  dossierModifierAnnotations(input: $input) {
    errors {
      message
    }
  }
}
"""

MODIFIER_ANNOTATIONS = "dossierModifierAnnotations"
MODIFIER_ANNOTATIONS_MUTATION = """
mutation dossierModifierAnnotations($input: DossierModifierAnnotationsInput!) {
  dossierModifierAnnotations(input: $input) {
    annotations {
      id
      stringValue
    }
    errors {
      message
    }
  }
}
"""

PASSER_EN_INSTRUCTION = "dossierPasserEnInstruction"
ACCEPTER = "dossierAccepter"
REFUSER = "dossierRefuser"
CLASSER_SANS_SUITE = "dossierClasserSansSuite"


def _state_mutation(name: str, input_type: str) -> str:
    return f"""
mutation {name}($input: {input_type}!) {{
  {name}(input: $input) {{
    dossier {{
      id
      number
      state
      dateTraitement
    }}
    errors {{
      message
    }}
  }}
}}
"""


STATE_MUTATIONS = {
    PASSER_EN_INSTRUCTION: _state_mutation(PASSER_EN_INSTRUCTION, "DossierPasserEnInstructionInput"),
    ACCEPTER: _state_mutation(ACCEPTER, "DossierAccepterInput"),
    REFUSER: _state_mutation(REFUSER, "DossierRefuserInput"),
    CLASSER_SANS_SUITE: _state_mutation(CLASSER_SANS_SUITE, "DossierClasserSansSuiteInput"),
}

CREATE_DIRECT_UPLOAD = "createDirectUpload"
CREATE_DIRECT_UPLOAD_MUTATION = """
mutation createDirectUpload($input: CreateDirectUploadInput!) {
  createDirectUpload(input: $input) {
    directUpload {
      url
      headers
      blobId
      signedBlobId
    }
  }
}
"""

ALL_OPERATIONS = {
    GET_DEMARCHE_INFO: DEMARCHE_INFO_QUERY,
    GET_DELETED: DELETED_QUERY,
    GET_PENDING_DELETED: PENDING_DELETED_QUERY,
    GET_DOSSIER_NUMBERS: DOSSIER_NUMBERS_QUERY,
    GET_INSTRUCTION: INSTRUCTION_QUERY,
    GET_DOSSIER_INSTRUCTION: DOSSIER_INSTRUCTION_QUERY,
    WRITE_PROBE: WRITE_PROBE_MUTATION,
    MODIFIER_ANNOTATIONS: MODIFIER_ANNOTATIONS_MUTATION,
    CREATE_DIRECT_UPLOAD: CREATE_DIRECT_UPLOAD_MUTATION,
    **STATE_MUTATIONS,
}

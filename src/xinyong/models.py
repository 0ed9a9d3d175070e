"""Imports every domain's models so that Base.metadata is complete (for Alembic and tests)."""

from xinyong.accounts import models as accounts_models
from xinyong.associations import models as associations_models
from xinyong.catalog import models as catalog_models
from xinyong.checks import models as checks_models
from xinyong.commitments import models as commitments_models
from xinyong.core import audit, calendar, deadlines
from xinyong.core.db import Base
from xinyong.disclosure import models as disclosure_models
from xinyong.education import models as education_models
from xinyong.evaluation import models as evaluation_models
from xinyong.evidence import models as evidence_models
from xinyong.exchange import models as exchange_models
from xinyong.ingestion import models as ingestion_models
from xinyong.inspections import models as inspections_models
from xinyong.integrity import models as integrity_models
from xinyong.lists import models as lists_models
from xinyong.notices import models as notices_models
from xinyong.objections import models as objections_models
from xinyong.oversight import models as oversight_models
from xinyong.privacy import models as privacy_models
from xinyong.records import models as records_models
from xinyong.repair import models as repair_models
from xinyong.reports import models as reports_models
from xinyong.subjects import models as subjects_models

__all__ = [
    "Base",
    "accounts_models",
    "associations_models",
    "audit",
    "calendar",
    "catalog_models",
    "checks_models",
    "commitments_models",
    "deadlines",
    "disclosure_models",
    "education_models",
    "evaluation_models",
    "evidence_models",
    "exchange_models",
    "ingestion_models",
    "inspections_models",
    "integrity_models",
    "lists_models",
    "notices_models",
    "objections_models",
    "oversight_models",
    "privacy_models",
    "records_models",
    "repair_models",
    "reports_models",
    "subjects_models",
]

"""JSON routes of the evaluation: chart data for the console, an entity's grade with its explanation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from xinyong.core.security import Principal
from xinyong.core.web import DbSession, requires
from xinyong.evaluation import service
from xinyong.evaluation import warnings as warnings_service
from xinyong.evaluation.schemas import GRADES
from xinyong.privacy import service as privacy_service
from xinyong.subjects import service as subjects_service

router = APIRouter(prefix="/api/v1/evaluation", tags=["信用评价"])

Reader = Annotated[Principal, Depends(requires("evaluation.read"))]


@router.get("/charts", summary="等级分布与预警统计（图表数据）")
def charts(session: DbSession, _: Reader) -> dict[str, Any]:
    """Grade distribution per domain and over time, warnings per domain, per rule and per day."""
    _row, doc = service.model_in_force(session)
    dist = service.distribution(session)
    domains = subjects_service.list_domains(session)
    history = service.snapshots(session, scope="overall")
    return {
        "grades": [{"grade": g, "label": doc.label(g)} for g in GRADES],
        "overall": dist["overall"],
        "public": dist["public"],
        "domains": [{"code": d.code, "name": d.name, "counts": dist.get(d.code, {})} for d in domains],
        "history": [{"day": day.isoformat(), "counts": counts} for day, counts in history],
        "warnings_by_domain": warnings_service.stats_by_domain(session),
        "warnings_by_rule": [{"name": n, "count": c} for n, c in warnings_service.stats_by_rule(session)],
        "warnings_by_day": [{"day": d, "count": c} for d, c in warnings_service.daily_counts(session)],
    }


@router.get("/subjects/{code}", summary="主体信用等级及解释")
def subject_grade(
    code: str,
    request: Request,
    session: DbSession,
    principal: Reader,
    _statement: privacy_service.StatementQuery,
) -> dict[str, Any]:
    """The entity's current grade, its factors (points add up to the score) and what would raise it; when the
    factors include the legal representative's own records, a purpose and basis are needed (428) and registered."""
    from xinyong.privacy import service as privacy_service

    entity = subjects_service.entity_by_uscc(session, code)
    current = service.current_grade(session, entity.id)
    ex = service.explain_grade(session, entity.id)
    privacy_service.gate_ids(
        session, request, principal, ex.related_persons, ["records"], reference=f"grade:{entity.id}"
    )
    return {
        "uscc": entity.uscc,
        "name": entity.name,
        "grade": current.grade if current else None,
        "label": current.label if current else None,
        "score": current.score if current else None,
        "overall_grade": current.overall_grade if current else None,
        "model_version": current.model_version if current else ex.model_version,
        "computed_at": current.computed_at.isoformat() if current else None,
        "explanation": {
            "as_of": ex.as_of.isoformat(),
            "score": ex.score,
            "grade": ex.grade,
            "override": ex.override,
            "factors": [
                {
                    "dimension": f.dimension,
                    "code": f.code,
                    "name": f.name,
                    "points": f.points,
                    "detail": f.detail,
                    "records": [
                        {
                            "id": r.record_id,
                            "item": r.item_code,
                            "document_number": r.document_number,
                            "decision_date": r.decision_date.isoformat(),
                            "weight_percent": r.percent,
                        }
                        for r in f.records
                    ],
                }
                for f in ex.factors
            ],
            "suggestions": [{"text": s.text, "gain": s.gain} for s in ex.suggestions],
        },
        "domains": service.domain_grades(session, entity.id),
    }

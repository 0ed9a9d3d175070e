"""Voluntary registration (T11): self-declared information, attachments, verification, false information."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.commitments.support import ACTOR, CIPHER, entity

from xinyong.commitments import service
from xinyong.commitments.models import Commitment, VoluntaryAttachment, VoluntaryInfo
from xinyong.core.audit import Actor
from xinyong.core.clock import FixedClock
from xinyong.core.errors import PermissionDenied, ValidationFailed
from xinyong.records import service as records_service
from xinyong.subjects import service as subjects_service

ENTITY_USER = Actor(label="entity-user", role="entity")
PDF = b"%PDF-1.4\n% test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _form(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": "qualification",
        "title": "食品生产许可证 SC10623038200012",
        "content": "许可范围：糕点、速冻食品。",
        "valid_from": "2025-01-01",
        "valid_until": "2029-12-31",
        "department": "scjg",
        "truthful": "1",
        "legal_rep": "王建国",
    }
    values.update(overrides)
    return values


def _register(session: Session, entity_id: int, uploads: list[service.Upload] | None = None, **kw: Any) -> Any:
    return service.register_voluntary(
        session,
        entity_id=entity_id,
        values=_form(**kw),
        uploads=uploads if uploads is not None else [service.Upload("许可证.pdf", PDF)],
        actor=ENTITY_USER,
        cipher=CIPHER,
    )


def test_registered_information_is_shown_as_unverified(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    info = _register(session, company.id, [service.Upload("许可证.pdf", PDF), service.Upload("现场.png", PNG)])
    items = service.declared_items(session, entity_id=company.id)
    assert [(i.title, i.label, i.verified, i.attachments) for i in items] == [
        ("食品生产许可证 SC10623038200012", "自愿注册（未经核验）", False, 2)
    ]
    truth = session.get(Commitment, info.commitment_id)
    assert truth is not None and truth.commitment_type == "主动型" and truth.channel == "voluntary"
    assert truth.department_id == subjects_service.department_by_code(session, "scjg").id
    attachment = session.execute(select(VoluntaryAttachment)).scalars().first()
    assert attachment is not None and attachment.content_type == "application/pdf" and attachment.data == PDF


def test_verified_information_is_labelled_verified(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    info = _register(session, company.id)
    scjg = subjects_service.department_by_code(session, "scjg").id
    service.verify_voluntary(
        session, info_id=info.id, truthful=True, note="", actor=ACTOR, cipher=CIPHER, department_id=scjg
    )
    [item] = service.declared_items(session, entity_id=company.id)
    assert item.verified and item.label == "自愿注册（已核验）"


def test_false_information_is_a_breach(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    info = _register(session, company.id)
    scjg = subjects_service.department_by_code(session, "scjg").id
    other = subjects_service.department_by_code(session, "jyj").id
    with pytest.raises(PermissionDenied, match="由密山市市场监督管理局核验"):
        service.verify_voluntary(
            session, info_id=info.id, truthful=False, note="x", actor=ACTOR, cipher=CIPHER, department_id=other
        )
    with pytest.raises(ValidationFailed, match="认定信息不实时必填"):
        service.verify_voluntary(
            session, info_id=info.id, truthful=False, note=" ", actor=ACTOR, cipher=CIPHER, department_id=scjg
        )
    info, outcome = service.verify_voluntary(
        session,
        info_id=info.id,
        truthful=False,
        note="许可证编号系伪造",
        actor=ACTOR,
        cipher=CIPHER,
        department_id=scjg,
    )
    assert info.status == "false" and outcome is not None
    assert service.declared_items(session, entity_id=company.id) == []
    records = records_service.subject_records(session, entity_id=company.id)
    breach = [r for r in records if r.item_code == "commitment_breach"]
    assert len(breach) == 1 and breach[0].fields["SFXJ"] == "是" and "许可证编号系伪造" in breach[0].fields["NR"]


@pytest.mark.parametrize(
    ("uploads", "message"),
    [
        ([service.Upload("病毒.exe", b"MZ....")], "“病毒.exe”的类型不允许，只接受.pdf、.jpg、.jpeg、.png文件"),
        ([service.Upload("假的.pdf", PNG)], "“假的.pdf”的内容与扩展名.pdf不符"),
        ([service.Upload("大.pdf", PDF + b"0" * 5 * 1024 * 1024)], "“大.pdf”超过5MB的大小限制"),
        ([service.Upload(f"{i}.pdf", PDF) for i in range(6)], "最多上传5个附件"),
    ],
)
def test_bad_attachments_are_refused_and_nothing_is_saved(
    session: Session, clock: FixedClock, uploads: list[service.Upload], message: str
) -> None:
    company = entity(session)
    with pytest.raises(ValidationFailed) as exc:
        _register(session, company.id, uploads)
    assert message in exc.value.message
    assert session.execute(select(func.count()).select_from(VoluntaryInfo)).scalar_one() == 0
    assert session.execute(select(func.count()).select_from(Commitment)).scalar_one() == 0


def test_truthfulness_commitment_is_required(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    with pytest.raises(ValidationFailed) as exc:
        _register(session, company.id, truthful="", kind="gossip", title="")
    assert {d["field"] for d in exc.value.details} == {"truthful", "kind", "title"}
    assert "真实性承诺（truthful）：须承诺所注册信息真实、准确、完整" in exc.value.message


def test_the_public_profile_shows_voluntary_information_as_unverified(session: Session, clock: FixedClock) -> None:
    from xinyong.portal.sections import build_sections

    company = entity(session)
    assert "voluntary" not in [s.key for s in build_sections(session, company, clock.today())]
    _register(session, company.id)
    [section] = [s for s in build_sections(session, company, clock.today()) if s.key == "voluntary"]
    assert section.title == "自愿注册信息" and section.summary == "自愿注册信息1项（1项未经核验）"
    assert section.data["rows"][0]["名称"] == "食品生产许可证 SC10623038200012"
    assert section.data["rows"][0]["核验状态"] == "自愿注册（未经核验）"

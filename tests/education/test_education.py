"""Integrity education (T5, T6): the course list, sessions, completions and course gating of commitments."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session
from tests.commitments.support import ACTOR, CIPHER, commit, entity, matter

from xinyong.core.clock import FixedClock
from xinyong.core.errors import ValidationFailed
from xinyong.education import service
from xinyong.subjects import service as subjects_service


def test_course_list_covers_new_entities_key_professions_and_repair() -> None:
    professions = {c.profession for c in service.courses() if c.purpose == "onboarding"}
    assert professions == {"律师", "教师", "医师", "会计审计人员", "房地产经纪人员", "金融从业人员", "导游"}
    assert {c.purpose for c in service.courses()} == {"new_entity", "onboarding", "repair"}
    with pytest.raises(ValidationFailed, match="课程代码“NOPE”不存在"):
        service.course("NOPE")


def test_course_file_errors_are_chinese() -> None:
    with pytest.raises(ValidationFailed, match="课程目录文件有误"):
        service.parse_courses(b'{"version": "x", "courses": []}')


def test_completion_gates_a_matter_that_requires_a_course(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    m = matter(session, required_course="ZT-XYZS")
    with pytest.raises(ValidationFailed) as exc:
        commit(session, m)
    assert exc.value.details[0]["field"] == "course"
    assert "先完成诚信教育课程“市场主体信用知识与法律责任”（ZT-XYZS）" in exc.value.message
    assert not service.requires_course(session, company, "ZT-XYZS")
    scjg = subjects_service.department_by_code(session, "scjg")
    sitting = service.create_session(
        session,
        course_code="ZT-XYZS",
        department=scjg,
        held_on=date(2026, 11, 27),
        place="政务服务大厅信用服务窗口",
        capacity=40,
        actor=ACTOR,
    )
    done = service.record_completion(
        session,
        course_code="ZT-XYZS",
        completed_on=date(2026, 11, 27),
        entity_id=company.id,
        session_id=sitting.id,
        actor=ACTOR,
    )
    assert done.certificate_no == f"XYJY20261127{done.id:06d}" and done.valid_until is None
    assert service.requires_course(session, company, "ZT-XYZS")
    assert commit(session, m).code


def test_person_completion_expires_with_the_course_validity(session: Session, clock: FixedClock) -> None:
    person = subjects_service.create_person(
        session, cipher=CIPHER, name="李四", id_number="230382200001011239", actor=ACTOR
    )
    done = service.record_completion(
        session, course_code="ZY-LS", completed_on=date(2023, 12, 1), person_id=person.id, actor=ACTOR
    )
    assert done.valid_until == date(2026, 12, 1)
    assert service.requires_course(session, person, "ZY-LS")
    clock.advance(days=4)  # 2 December 2026: three years have passed
    assert not service.requires_course(session, person, "ZY-LS")


def test_completion_must_match_the_course_audience(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    with pytest.raises(ValidationFailed, match="面向律师，不能为市场主体登记完成"):
        service.record_completion(
            session, course_code="ZY-LS", completed_on=date(2026, 11, 1), entity_id=company.id, actor=ACTOR
        )
    with pytest.raises(ValidationFailed, match="完成日期：不能晚于今天"):
        service.record_completion(
            session, course_code="XF-PX", completed_on=date(2026, 12, 1), entity_id=company.id, actor=ACTOR
        )

"""Entities, persons with encrypted ID numbers, relations, and the public vs restricted profile."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session
from tests.conftest import TEST_SECRET
from tests.helpers import make_token

from xinyong.core.audit import Actor
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Database
from xinyong.core.errors import Conflict, ValidationFailed
from xinyong.subjects import service

ACTOR = Actor.system("test")
ID_NUMBER = "230382200001011239"  # born 2000 in 密山市 (230382), valid check character


def _entity_with_rep(session: Session) -> None:
    cipher = get_cipher(TEST_SECRET)
    entity = service.create_entity(
        session,
        actor=ACTOR,
        uscc="91230382MA1B3N1N24",
        name="密山市兴凯湖食品有限公司",
        category="法人及非法人组织",
        entity_type="有限责任公司",
        registering_authority="密山市市场监督管理局",
        region_code="230382",
        industry_code="C",
        registered_on=date(2019, 5, 6),
        status="存续",
        address="黑龙江省鸡西市密山市密山镇",
    )
    person = service.create_person(session, cipher=cipher, name="王建国", id_number=ID_NUMBER, actor=ACTOR)
    service.add_relation(session, entity=entity, person=person, role="legal_rep", start=date(2019, 5, 6), actor=ACTOR)


def test_id_numbers_are_encrypted_at_rest_and_found_by_blind_index(session: Session) -> None:
    cipher = get_cipher(TEST_SECRET)
    _entity_with_rep(session)
    session.flush()
    raw = " ".join(str(v) for v in session.execute(text("SELECT * FROM person")).one())
    assert ID_NUMBER not in raw and ID_NUMBER[-8:] not in raw
    person = service.find_person(session, cipher=cipher, id_number=ID_NUMBER.lower())
    assert person is not None and person.name == "王建国"
    assert person.id_masked == "2303**********1239"
    assert cipher.decrypt(person.id_cipher) == ID_NUMBER
    with pytest.raises(Conflict):
        service.create_person(session, cipher=cipher, name="王建国", id_number=ID_NUMBER, actor=ACTOR)


def test_invalid_codes_are_refused_with_the_reason(session: Session) -> None:
    with pytest.raises(ValidationFailed, match="统一社会信用代码无效：第18位校验码错误"):
        service.create_entity(
            session,
            actor=ACTOR,
            uscc="91230382MA1B3N1N2X",
            name="某公司",
            category="法人及非法人组织",
            entity_type="有限责任公司",
            region_code="230382",
        )
    with pytest.raises(ValidationFailed, match="身份证号码无效"):
        service.create_person(
            session, cipher=get_cipher(TEST_SECRET), name="李四", id_number="230382200001011238", actor=ACTOR
        )


def test_public_profile_never_shows_id_numbers(client: TestClient, db: Database) -> None:
    with db.session() as s:
        _entity_with_rep(s)
    public = client.get("/api/v1/subjects/91230382-MA1B3N1N24")
    assert public.status_code == 200
    body = public.json()
    assert body["entity"]["name"] == "密山市兴凯湖食品有限公司"
    assert body["relations"] == [
        {"role": "legal_rep", "role_name": "法定代表人", "name": "王建国", "start_date": "2019-05-06", "end_date": None}
    ]
    assert "id_masked" not in public.text and "*" not in public.text and ID_NUMBER not in public.text
    token = make_token(db, "operator")
    headers = {"Authorization": f"Bearer {token}"}
    unstated = client.get("/api/v1/subjects/91230382MA1B3N1N24", headers=headers)
    assert "id_masked" not in unstated.text  # persons' numbers only with a stated purpose and basis (privacy gate)
    stated = {"purpose": "办理食品经营许可审查", "basis": "admin-licensing"}
    restricted = client.get("/api/v1/subjects/91230382MA1B3N1N24", headers=headers, params=stated)
    assert restricted.json()["relations"][0]["id_masked"] == "2303**********1239"
    assert ID_NUMBER not in restricted.text


def test_profile_errors_are_chinese(client: TestClient) -> None:
    r = client.get("/api/v1/subjects/91230382MA1B3N1N2X")
    assert r.status_code == 422
    assert r.json()["error"]["message"].startswith("统一社会信用代码无效：第18位校验码错误")
    r = client.get("/api/v1/subjects/91110000600037341L")
    assert r.status_code == 404
    assert "未找到统一社会信用代码为91110000600037341L的市场主体" in r.json()["error"]["message"]


def test_relations_in_force_on_a_date(session: Session) -> None:
    _entity_with_rep(session)
    entity = service.entity_by_uscc(session, "91230382MA1B3N1N24")
    assert len(service.relations_of(session, entity.id, on=date(2020, 1, 1))) == 1
    assert service.relations_of(session, entity.id, on=date(2018, 1, 1)) == []


def test_reference_data_has_the_sixteen_domains_and_seed_departments(session: Session) -> None:
    domains = [d.name for d in service.list_domains(session)]
    assert len(domains) == 16 and domains[0] == "市场监管" and domains[-1] == "统计"
    names = {d.name for d in service.list_departments(session)}
    assert {"密山市营商环境建设监督局", "密山市人民法院", "中国人民银行密山市支行", "密山市市场监督管理局"} <= names
    again = service.load_reference_data(session, actor=ACTOR)
    assert again == {"domains": 0, "departments": 0}

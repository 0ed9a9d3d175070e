"""Secrets and keys: production refuses defaults; each key can be rotated without losing data or old reports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.orm import Session
from tests.commitments.support import ACTOR, entity
from tests.conftest import TEST_SECRET, Cli
from tests.helpers import login, make_user

from xinyong.app import create_app
from xinyong.core.clock import FixedClock
from xinyong.core.config import DEMO_SECRET, Settings
from xinyong.core.crypto import FieldCipher
from xinyong.core.db import Database
from xinyong.core.errors import ValidationFailed
from xinyong.core.identifiers import resident_id_check_char
from xinyong.reports import service as reports
from xinyong.reports.service import Requester
from xinyong.subjects import keys
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Person

NEW_FIELD_KEY = "new-field-key-0123456789-abcdefghijklmnopqrstuvw"
NUMBERS = [
    f"{body}{resident_id_check_char(body)}" for body in ("23038219900101123", "23038219850505002", "23038220001212001")
]
STRONG = {
    "public_url": "https://xinyong.example.gov.cn",
    "secret_key": "s" * 40,
    "field_key": "f" * 40,
    "signing_key": "k" * 40,
    "session_secret": "x" * 40,
}


def test_production_refuses_missing_default_short_or_shared_keys() -> None:
    assert Settings(mode="production", **STRONG).field_secret == "f" * 40
    for env, name in (
        ("XINYONG_FIELD_KEY", "field_key"),
        ("XINYONG_SIGNING_KEY", "signing_key"),
        ("XINYONG_SESSION_SECRET", "session_secret"),
    ):
        with pytest.raises(ValidationError, match=env):
            Settings(mode="production", **{**STRONG, name: ""})
        with pytest.raises(ValidationError, match=env):
            Settings(mode="production", **{**STRONG, name: DEMO_SECRET})
        with pytest.raises(ValidationError, match="至少32个字符"):
            Settings(mode="production", **{**STRONG, name: "short"})
    with pytest.raises(ValidationError, match="XINYONG_SIGNING_KEY 不能与 XINYONG_FIELD_KEY 相同"):
        Settings(mode="production", **{**STRONG, "signing_key": "f" * 40})
    demo = Settings(mode="demo")  # demo and test mode: every key falls back to the one secret
    assert demo.field_secret == demo.signing_secret == demo.session_key == DEMO_SECRET


def _persons(session: Session) -> list[int]:
    cipher = FieldCipher(TEST_SECRET)
    return [
        subjects.create_person(session, name=f"居民{i}", id_number=n, cipher=cipher, actor=ACTOR).id
        for i, n in enumerate(NUMBERS)
    ]


def test_field_key_rotation_re_encrypts_and_re_indexes_every_person(db: Database) -> None:
    old, new = FieldCipher(TEST_SECRET), FieldCipher(NEW_FIELD_KEY)
    with db.session() as s:
        ids = _persons(s)
    with db.session() as s, pytest.raises(ValidationFailed, match="既不能用旧密钥也不能用新密钥解密"):
        keys.rotate_field_key(s, old=FieldCipher("wrong-" + TEST_SECRET), new=new, actor=ACTOR)
    with db.session() as s:  # the refused run changed nothing
        assert old.decrypt(s.get(Person, ids[0]).id_cipher) == NUMBERS[0]  # type: ignore[union-attr]
        result = keys.rotate_field_key(s, old=old, new=new, actor=ACTOR, chunk=2)
        assert result.rotated == 3
    with db.session() as s:
        for pid, number in zip(ids, NUMBERS, strict=True):
            person = s.get(Person, pid)
            assert person is not None and new.decrypt(person.id_cipher) == number
            assert person.id_index == new.blind_index(number) != old.blind_index(number)
            # lookups by number (checks, lists, records) find the person under the new key only
            assert subjects.find_person(s, id_number=number, cipher=new) is not None
            assert subjects.find_person(s, id_number=number, cipher=old) is None
        assert keys.rotate_field_key(s, old=old, new=new, actor=ACTOR).already == 3  # a rerun is harmless


def test_field_key_rotation_command(db_url: str, db: Database) -> None:
    with db.session() as s:
        ids = _persons(s)
    refused = Cli(db_url, XINYONG_FIELD_KEY=NEW_FIELD_KEY)("keys", "rotate-field-key")
    assert refused.returncode == 1 and "XINYONG_FIELD_KEY_PREVIOUS" in refused.stderr
    cli = Cli(db_url, XINYONG_FIELD_KEY=NEW_FIELD_KEY, XINYONG_FIELD_KEY_PREVIOUS=TEST_SECRET)
    done = cli("keys", "rotate-field-key")
    assert done.returncode == 0, done.stderr
    assert "重新加密3个自然人证件号码" in done.stdout
    with db.session() as s:
        assert FieldCipher(NEW_FIELD_KEY).decrypt(s.get(Person, ids[2]).id_cipher) == NUMBERS[2]  # type: ignore[union-attr]


def _issue(session: Session, entity_id: int, secret: str) -> tuple[object, str]:
    return reports.issue_report(
        session,
        entity_id=entity_id,
        edition="simple",
        purpose="bidding",
        purpose_note="密山市某道路工程招标",
        requester=Requester(actor=ACTOR, entity_id=entity_id),
        secret=secret,
        verify_base="http://testserver",
    )


def test_reports_signed_before_a_signing_key_rotation_still_verify(
    settings: Settings, db: Database, clock: FixedClock
) -> None:
    new_key = "new-signing-key-0123456789-abcdefghijklmnopqrstu"
    with db.session() as s:
        company = entity(s)
        old_report, _code = _issue(s, company.id, TEST_SECRET)
        old_pdf = old_report.pdf  # type: ignore[attr-defined]
    rotated = settings.model_copy(update={"signing_key": new_key})
    with TestClient(create_app(rotated, db)) as client:
        published = client.get("/api/v1/reports/public-key").json()
        upload = client.post(
            "/portal/reports/verify",
            files={"file": ("report.pdf", old_pdf, "application/pdf")},
            data={"csrf_token": _csrf(client)},
        )
    with db.session() as s:
        new_report, _ = _issue(s, company.id, new_key)
        assert reports.verify_file(s, data=old_pdf, secret=new_key).ok
        assert reports.verify_file(s, data=new_report.pdf, secret=new_key).ok  # type: ignore[attr-defined]
    assert published["key_id"] == new_report.key_id  # type: ignore[attr-defined]
    assert [k["key_id"] for k in published["previous"]] == [old_report.key_id]  # type: ignore[attr-defined]
    assert upload.status_code == 200 and "核验通过。" in upload.text
    assert f"公钥标识 <code>{old_report.key_id}</code>" in upload.text  # type: ignore[attr-defined]


def _csrf(client: TestClient) -> str:
    from tests.helpers import csrf_from

    return csrf_from(client.get("/portal/reports/verify").text)


def test_a_new_session_secret_logs_everyone_out(settings: Settings, db: Database, clock: FixedClock) -> None:
    make_user(db, "zhang", "operator")
    with TestClient(create_app(settings, db)) as client:
        login(client, "zhang")
        assert client.get("/console", follow_redirects=False).status_code == 200
        cookies = dict(client.cookies)
    rotated = settings.model_copy(update={"session_secret": "another-session-secret-0123456789-abcdef"})
    with TestClient(create_app(rotated, db), cookies=cookies) as client:
        assert client.get("/console", follow_redirects=False).status_code == 303  # to the login page


def test_ending_all_sessions_logs_everyone_out(db_url: str, settings: Settings, db: Database) -> None:
    make_user(db, "zhang", "operator")
    with TestClient(create_app(settings, db)) as client:
        login(client, "zhang")
        run = Cli(db_url)("keys", "end-sessions")
        assert run.returncode == 0 and "已结束1个登录会话" in run.stdout
        assert client.get("/console", follow_redirects=False).status_code == 303


def test_sessions_end_after_idle_time_and_after_their_absolute_lifetime(
    settings: Settings, db: Database, clock: FixedClock
) -> None:
    make_user(db, "zhang", "operator")
    with TestClient(create_app(settings, db)) as client:
        login(client, "zhang")
        clock.advance(minutes=29)
        assert client.get("/console", follow_redirects=False).status_code == 200  # used: idle time restarts
        clock.advance(minutes=29)
        assert client.get("/console", follow_redirects=False).status_code == 200
        clock.advance(minutes=31)
        assert client.get("/console", follow_redirects=False).status_code == 303  # 31 minutes unused
        login(client, "zhang")
        for _ in range(12 * 3 - 1):  # busy all day, every 20 minutes
            clock.advance(minutes=20)
            assert client.get("/console", follow_redirects=False).status_code == 200
        clock.advance(minutes=20)  # 12 hours after login
        assert client.get("/console", follow_redirects=False).status_code == 303
    with db.session() as s:
        seen = s.execute(text("SELECT COUNT(*) FROM web_session WHERE last_seen_at IS NOT NULL")).scalar_one()
        assert seen == 2
    assert timedelta(hours=settings.session_hours) == timedelta(hours=12)

"""The public portal: publication deadlines, windows by today's date, objections, search, masking, rate limit, API."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import chinese_calendar
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import TEST_SECRET
from tests.factories import AUTHORITY, SHOP, shop_penalty
from tests.helpers import login, make_user

from xinyong.app import create_app
from xinyong.catalog import service as catalog
from xinyong.core.audit import Actor
from xinyong.core.clock import CHINA_TZ, FixedClock
from xinyong.core.config import Settings
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Database
from xinyong.disclosure import service as disclosure
from xinyong.portal import service as portal
from xinyong.portal.sections import ProfileSection, register_section, unregister_section
from xinyong.records import service as records
from xinyong.records import states
from xinyong.records.models import CreditRecord, RecordEvent
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Entity

ACTOR = Actor.system("test")
COMPANY = "91230382MA1B3N1N24"


def at(day: date) -> FixedClock:
    return FixedClock(datetime(day.year, day.month, day.day, 10, 0, tzinfo=CHINA_TZ))


# The shop's fine of 5,000 yuan for not marking prices, decided 2026-01-15.
PRICE_TAG_FINE: dict[str, Any] = {
    "CF_WFXW": "未按规定明码标价",
    "CF_SY": "经查，当事人未按规定明码标价。",
    "CF_YJ": "《明码标价和禁止价格欺诈规定》第二十一条",
    "CF_CFLB": ["罚款"],
    "CF_NR": "罚款5000元",
    "CF_NR_FK": Decimal("0.5"),
    "CF_JDRQ": date(2026, 1, 15),
}
penalty = partial(shop_penalty, 15, **PRICE_TAG_FINE)


def store(db: Database, values: dict[str, Any], clock: FixedClock, item_code: str = "penalty") -> int:
    from xinyong.core.clock import set_clock

    set_clock(clock)
    with db.session() as s:
        item, spec = catalog.item_for(s, item_code, on=date(2026, 6, 1))
        result = records.store(
            s,
            item=item,
            spec=spec,
            department=subjects.department_by_code(s, "scjg"),
            values=values,
            provenance=records.Provenance(actor=ACTOR),
            cipher=get_cipher(TEST_SECRET),
        )
        return result.record.id


def _client(db: Database, settings: Settings) -> TestClient:
    return TestClient(create_app(settings, db), base_url="http://testserver")


def test_penalty_decided_on_the_friday_before_national_day_gets_its_deadline_after_the_holiday(
    db: Database, clock: FixedClock
) -> None:
    friday = date(2026, 9, 25)
    assert friday.weekday() == 4
    record_id = store(db, penalty(CF_JDRQ=friday), at(date(2026, 9, 28)))
    # Independent oracle: the State Council calendar (holidays and make-up working weekends) via chinesecalendar.
    day, left = friday, 7
    while left:
        day += timedelta(days=1)
        left -= chinese_calendar.is_workday(day)
    with db.session() as s:
        rec = s.get(CreditRecord, record_id)
        assert rec is not None
        assert rec.publication_deadline == day
    # 9-28, 9-29, 9-30, then the holiday; the make-up Saturday 10-10 counts: not simply friday + 9 calendar days.
    assert day > date(2026, 10, 8) and day != friday + timedelta(days=9)


def test_general_penalty_under_2026_leaves_the_portal_the_day_after_its_maximum_end(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    record_id = store(db, penalty(), at(date(2026, 1, 16)))
    with db.session() as s:
        rec = s.get(CreditRecord, record_id)
        assert rec is not None and rec.severity == "general"
        assert rec.publicity_until == date(2027, 1, 14)
    from xinyong.core.clock import set_clock

    settings = settings.model_copy(update={"disclosure_refresh_on_startup": False})
    with _client(db, settings) as c:
        set_clock(at(date(2027, 1, 14)))  # last day of publicity
        assert "密市监罚〔2026〕15号" in c.get(f"/portal/entities/{SHOP}").text
        assert c.get(f"/portal/records/{record_id}").status_code == 200
        set_clock(at(date(2027, 1, 15)))  # no job has run: the portal computes against today
        page = c.get(f"/portal/entities/{SHOP}").text
        assert "密市监罚〔2026〕15号" not in page and "该主体无公示中" in page
        gone = c.get(f"/portal/records/{record_id}")
        assert gone.status_code == 404 and "已不在公示期内" in gone.text
        assert c.get(f"/api/v1/subjects/{SHOP}").json()["sections"][0]["data"]["count"] == 0
    # The daily job then moves it to 公示期满 through the state machine, with an event and an audit entry.
    with db.session() as s:
        result = disclosure.refresh(s, actor=ACTOR)
        assert result.expired == 1 and result.by_item == {"penalty": 1}
        rec = s.get(CreditRecord, record_id)
        assert rec is not None and rec.status == states.EXPIRED
        event = s.execute(select(RecordEvent).where(RecordEvent.record_id == record_id)).scalar_one()
        assert (event.from_status, event.to_status) == (states.VALID, states.EXPIRED)
        assert not disclosure.refresh_due(s)
        assert disclosure.refresh(s, actor=ACTOR).expired == 0


def test_food_safety_penalty_cannot_end_before_one_year(db: Database, clock: FixedClock) -> None:
    decided = date(2024, 3, 11)  # NDRC Order 58 regime
    food = store(
        db,
        penalty(CF_WSH="密市监罚〔2024〕8号", CF_JDRQ=decided, CF_YJ="《中华人民共和国食品安全法》第一百二十四条"),
        at(date(2024, 3, 12)),
    )
    other = store(db, penalty(CF_WSH="密市监罚〔2024〕9号", CF_JDRQ=decided), at(date(2024, 3, 12)))
    with db.session() as s:
        x = disclosure.explain(s, food)
        assert x.decision is not None and x.decision.min_end == date(2025, 3, 10)
        assert any("食品领域" in line for line in x.decision.explanation)
        assert x.stored_matches
        y = disclosure.explain(s, other)
        assert y.decision is not None and y.decision.min_end == date(2024, 6, 10)


def test_record_under_objection_shows_its_state_and_a_revoked_one_disappears(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    record_id = store(db, penalty(CF_JDRQ=date(2026, 11, 2)), at(date(2026, 11, 3)))
    from xinyong.core.clock import set_clock

    set_clock(clock)
    with db.session() as s:
        records.transition(s, record_id=record_id, target=states.DISPUTED, reason="当事人提出异议", actor=ACTOR)
    with _client(db, settings) as c:
        profile = c.get(f"/portal/entities/{SHOP}").text
        assert "异议中" in profile and "密市监罚〔2026〕15号" in profile
        detail = c.get(f"/portal/records/{record_id}").text
        assert "该信息正在异议处理中" in detail
        listing = c.get("/portal/publicity/penalty").text
        assert "异议中" in listing
        api = c.get(f"/api/v1/subjects/{SHOP}").json()
        assert api["sections"][0]["data"]["groups"][0]["records"][0]["status_label"] == "异议中"
        with db.session() as s:
            records.transition(s, record_id=record_id, target=states.REVOKED, reason="异议成立，撤销", actor=ACTOR)
        assert "密市监罚〔2026〕15号" not in c.get(f"/portal/entities/{SHOP}").text
        assert c.get(f"/portal/records/{record_id}").status_code == 404


def test_penalty_on_a_natural_person_is_not_shown_and_a_licence_shows_a_masked_name(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    person_id_number = "230382199001011234"
    store(
        db,
        penalty(
            CF_XDR_MC="王建国",
            CF_XDR_LB="自然人",
            CF_XDR_SHXYM=None,
            CF_XDR_ZJLX="身份证",
            CF_XDR_ZJHM=person_id_number,
            CF_WSH="密市监罚〔2026〕77号",
            CF_JDRQ=date(2026, 11, 2),
        ),
        at(date(2026, 11, 3)),
    )
    with _client(db, settings) as c:
        listing = c.get("/portal/publicity/penalty").text
        assert "密市监罚〔2026〕77号" not in listing and "王建国" not in listing
        assert person_id_number not in listing
    assert disclosure.public_name("王建国", subject_kind="person", item_code="license") == "王**"
    assert disclosure.public_name("王建国", subject_kind="person", item_code="judgment_debtor") == "王建国"


def _entities(db: Database) -> None:
    with db.session() as s:
        for code, name in (
            (COMPANY, "密山市兴凯湖商贸有限公司"),
            ("91230382MA1C00026J", "密山市鑫源食品有限公司"),
        ):
            subjects.create_entity(
                s,
                actor=ACTOR,
                uscc=code,
                name=name,
                category="法人及非法人组织",
                entity_type="有限责任公司",
                region_code="230382",
                status="存续",
            )


def test_search_by_partial_name_and_by_code_uses_the_index_and_follows_renames(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    _entities(db)
    with db.session() as s:
        assert [h.name for h in portal.search(s, "密山 商贸").hits] == ["密山市兴凯湖商贸有限公司"]
        assert [h.name for h in portal.search(s, "兴凯湖").hits] == ["密山市兴凯湖商贸有限公司"]  # trigram index
        assert [h.name for h in portal.search(s, "鑫").hits] == ["密山市鑫源食品有限公司"]  # 1-char fallback
        assert len(portal.search(s, "密山市 有限公司").hits) == 2
        assert portal.search(s, "密山 商贸 食品").hits == []
        assert portal.search(s, "100%").hits == []  # wildcards are literal
        assert portal.search(s, COMPANY).by == "code"
        entity = s.execute(select(Entity).where(Entity.uscc == COMPANY)).scalar_one()
        entity.name = "密山市兴凯湖农业发展有限公司"
    with db.session() as s:
        assert [h.code for h in portal.search(s, "农业发展").hits] == [COMPANY]
        assert portal.search(s, "兴凯湖商贸").hits == []
    with _client(db, settings) as c:
        page = c.get("/portal/search", params={"q": "兴凯湖 农业"})
        assert page.status_code == 200 and "密山市兴凯湖农业发展有限公司" in page.text and COMPANY in page.text
        by_code = c.get("/portal/search", params={"q": "91230382-MA1B3N1N24"}, follow_redirects=False)
        assert by_code.status_code == 303 and by_code.headers["location"] == f"/portal/entities/{COMPANY}"
        bad = c.get("/portal/search", params={"q": "91230382MA1B3N1N2X"})
        assert "统一社会信用代码无效" in bad.text


def test_search_is_rate_limited_per_address_with_a_chinese_message(db: Database, settings: Settings) -> None:
    limited = settings.model_copy(update={"portal_search_per_minute": 6, "portal_search_burst": 3})
    with _client(db, limited) as c:
        codes = [c.get("/portal/search", params={"q": "密山"}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = c.get("/portal/search", params={"q": "密山"})
        assert refused.status_code == 429 and "查询过于频繁" in refused.text and "秒后再试" in refused.text
        api = c.get(f"/api/v1/subjects/{COMPANY}")
        assert api.status_code == 429 and "查询过于频繁" in api.json()["error"]["message"]
        assert c.get("/portal").status_code == 200  # browsing is not limited


def test_api_returns_what_the_portal_shows_and_other_domains_can_add_sections(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    _entities(db)
    shown = store(
        db,
        penalty(
            CF_XDR_MC="密山市兴凯湖商贸有限公司",
            CF_XDR_LB="法人及非法人组织",
            CF_XDR_SHXYM=COMPANY,
            CF_JDRQ=date(2026, 10, 9),
        ),
        at(date(2026, 10, 10)),
    )
    store(
        db,
        penalty(
            CF_XDR_MC="密山市兴凯湖商贸有限公司",
            CF_XDR_LB="法人及非法人组织",
            CF_XDR_SHXYM=COMPANY,
            CF_WSH="密市监罚〔2026〕2号",
            CF_CFLB=["警告"],
            CF_NR_FK=None,
            CF_JDRQ=date(2026, 10, 9),
        ),
        at(date(2026, 10, 10)),
    )  # a warning under 2026 is minor: not published

    @register_section(order=30, key="test.grade")
    def grade(session: Session, entity: Entity, today: date) -> ProfileSection:
        return ProfileSection(
            key="grade",
            title="信用等级",
            data={"rows": [{"等级": "A", "评定日期": "2026-11-01"}]},
            summary="信用等级：A",
        )

    try:
        with _client(db, settings) as c:
            page = c.get(f"/portal/entities/{COMPANY}").text
            api = c.get(f"/api/v1/subjects/{COMPANY}").json()
            printable = c.get(f"/portal/entities/{COMPANY}/print")
    finally:
        unregister_section("test.grade")
    linked = {int(x) for x in re.findall(r'href="/portal/records/(\d+)"', page)}
    in_api = {r["id"] for g in api["sections"][0]["data"]["groups"] for r in g["records"]}
    assert linked == in_api == {shown}
    assert [s["key"] for s in api["sections"]] == ["records", "honours", "grade"]
    assert "信用等级：A" in page and "评定日期" in page and "密市监罚〔2026〕2号" not in page
    assert printable.status_code == 200 and "公共信用信息查询结果" in printable.text
    assert "密市监罚〔2026〕15号" in printable.text


def test_console_explains_which_rule_produced_a_window(db: Database, settings: Settings, clock: FixedClock) -> None:
    record_id = store(db, penalty(CF_CFLB=["吊销许可证件", "罚款"], CF_JDRQ=date(2026, 3, 2)), at(date(2026, 3, 3)))
    make_user(db, "office", "admin", dept="ysj")
    with _client(db, settings) as c:
        assert c.get(f"/console/records/{record_id}/window", follow_redirects=False).status_code == 303
        login(c, "office")
        page = c.get(f"/console/records/{record_id}/window").text
    assert "国办发〔2025〕22号" in page and "严重" in page and "不得通过信用修复提前终止公示" in page
    assert "2029-03-01" in page  # 3 years, ending the day before the corresponding day


def test_key_attention_list_is_not_published_and_the_portal_says_so(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    # RULES.md §5 gives the key-attention list (重点关注对象名单) no publication basis; the catalogue in force marks it
    # 政务共享. An entry in it stays off every public page and the API, and the list pages say why.
    shared = {
        "XDR_MC": "密山市老王烧烤店",
        "XDR_LB": "个体工商户",
        "XDR_SHXYM": SHOP,
        "JDRQ": date(2026, 11, 2),
        "JDJG": "密山市市场监督管理局",
        "JDJGDM": AUTHORITY,
        "SJLY": "密山市市场监督管理局",
        "SJLYDM": AUTHORITY,
    }
    watched = store(
        db,
        {**shared, "WSH": "密市监字〔2026〕901号", "NR": "列为食品药品领域重点关注对象"},
        at(date(2026, 11, 3)),
        item_code="key_attention",
    )
    listed = store(
        db,
        {**shared, "WSH": "密市监字〔2026〕902号", "NR": "列入经营异常名录"},
        at(date(2026, 11, 3)),
        item_code="abnormal_list",
    )
    from xinyong.core.clock import set_clock

    set_clock(clock)
    with db.session() as s:
        items = {i.code: i.openness for i in catalog.items_of(s, catalog.version_on(s, clock.today()))}
        withheld = [w.code for w in portal.withheld_items(s)]
    assert items["key_attention"] == "government" and withheld == ["key_attention"]
    with _client(db, settings) as c:
        lists = c.get("/portal/publicity/lists").text
        note = re.search(r'<aside class="card notice withheld".*?</aside>', lists, re.S)
        assert note and "重点关注对象名单信息" in note.group(0) and "政务共享" in note.group(0)
        assert "本网站不予公示" in note.group(0)
        assert "密市监字〔2026〕902号" in lists and "密市监字〔2026〕901号" not in lists
        assert "重点关注对象名单信息" in c.get("/portal").text
        # Asking for the item by its code is refused in Chinese, not answered with an empty list.
        refused = c.get("/portal/publicity/lists", params={"item": "key_attention"})
        assert (
            refused.status_code == 422 and "“重点关注对象名单信息”的公开属性为“政务共享”，不向社会公开" in refused.text
        )
        profile = c.get(f"/portal/entities/{SHOP}").text
        assert "密市监字〔2026〕902号" in profile and "密市监字〔2026〕901号" not in profile
        assert "901号" not in c.get(f"/api/v1/subjects/{SHOP}").text
        assert c.get(f"/portal/records/{watched}").status_code == 404
        assert c.get(f"/portal/records/{listed}").status_code == 200
        # A list without withheld items has no note.
        assert "不向社会公开的名单信息" not in c.get("/portal/publicity/penalty").text


def test_search_counts_every_match_past_the_first_page(db: Database, settings: Settings) -> None:
    # The count of a many-hit search is taken from the name index alone when every term has 3+ characters, and
    # through the entity rows when a 1-2 character term filters them: both count the same entities, capped at 1000.
    from xinyong.core.identifiers import make_uscc

    with db.session() as s:
        for n in range(25):
            subjects.create_entity(
                s,
                actor=ACTOR,
                uscc=make_uscc("9", "1", "230382", f"MA1D{n:04d}"),
                name=f"密山市兴凯湖第{n + 1}商贸有限公司",
                category="法人及非法人组织",
                entity_type="有限责任公司",
                region_code="230382",
                status="存续",
            )
        subjects.create_entity(
            s,
            actor=ACTOR,
            uscc=make_uscc("9", "1", "230382", "MA1E0001"),
            name="鸡西市兴凯湖商贸有限公司",
            category="法人及非法人组织",
            entity_type="有限责任公司",
            region_code="230382",
            status="存续",
        )
    with db.session() as s:
        index_only = portal.search(s, "兴凯湖 商贸有限")
        assert (index_only.total, index_only.pages, len(index_only.hits)) == (26, 2, 20)
        filtered = portal.search(s, "密山 兴凯湖")
        assert (filtered.total, filtered.pages, len(filtered.hits)) == (25, 2, 20)
        assert len(portal.search(s, "兴凯湖 商贸有限", page=2).hits) == 6

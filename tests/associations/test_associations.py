"""Industry associations (T31): an association manages its own member list, records its own member information as a
separate, labelled data source, and sees its members' public credit status; another association sees none of it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.commitments.support import entity, list_entry, penalty
from tests.helpers import csrf_from, login, make_user
from tests.ingestion.samples import company_code

from xinyong.associations.models import AssociationInfo, AssociationMember
from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.records.models import CreditRecord

LABEL = "行业协会信息（非政府部门认定）"


def _register(client: TestClient, name: str, uscc: str, user: str) -> None:
    page = client.get("/console/associations")
    token = csrf_from(page.text)
    r = client.post(
        "/console/associations", data={"csrf_token": token, "name": name, "uscc": uscc, "department": "mzj"}
    )
    assert r.status_code == 200 and f"已登记行业协会“{name}”" in r.text, r.text
    assoc_id = int(r.text.split('action="/console/associations/')[-1].split("/users")[0])
    r = client.post(f"/console/associations/{assoc_id}/users", data={"csrf_token": token, "username": user})
    assert r.status_code == 200 and f"已关联账号“{user}”" in r.text


def _as(client: TestClient, username: str) -> str:
    client.cookies.clear()
    login(client, username)
    return csrf_from(client.get("/console/association").text)


def test_association_members_information_and_isolation(client: TestClient, db: Database, clock: FixedClock) -> None:
    with db.session() as s:
        for n in (1, 2, 3, 4):
            entity(s, n)
        penalty(s, 1)  # a fine decided 2026-03-02: in publicity on the portal
        list_entry(s, 2)  # on the serious-dishonesty list
    make_user(db, "office", "admin", "ysj")
    make_user(db, "food", "association", None)
    make_user(db, "build", "association", None)
    login(client, "office")
    _register(client, "密山市食品行业协会", company_code(901), "food")
    _register(client, "密山市建筑业协会", company_code(902), "build")

    token = _as(client, "food")
    r = client.post("/console/association/members", data={"csrf_token": token, "uscc": company_code(1)})
    assert r.status_code == 200 and "已将密山市兴凯食品有限公司1加入会员名单" in r.text
    again = client.post("/console/association/members", data={"csrf_token": token, "uscc": company_code(1)})
    assert again.status_code == 409 and "已是本会会员" in again.text

    bad_csv = (
        "统一社会信用代码,入会日期\n"
        f"{company_code(2)},2025-03-01\n"
        "91230382MA00000XXX,\n"
        f"{company_code(3)},2025-13-01\n"
        f"{company_code(99)},\n"
        f"{company_code(2)},\n"
    ).encode()
    r = client.post(
        "/console/association/members/import",
        data={"csrf_token": token},
        files={"file": ("members.csv", bad_csv, "text/csv")},
    )
    assert r.status_code == 422 and "所有行均未导入" in r.text
    for expected in (
        "第3行 统一社会信用代码：91230382MA00000XXX",
        "第4行 入会日期：“2025-13-01”不是有效的日期",
        f"第5行 统一社会信用代码：{company_code(99)} 在市场主体库中不存在",
        f"第6行 统一社会信用代码：{company_code(2)} 与第2行重复",
    ):
        assert expected in r.text, expected
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(AssociationMember)).scalar_one() == 1  # nothing half-written

    good_csv = f"统一社会信用代码,入会日期\n{company_code(1)},\n{company_code(2)},2025-03-01\n{company_code(3)},\n"
    r = client.post(
        "/console/association/members/import",
        data={"csrf_token": token},
        files={"file": ("members.csv", good_csv.encode("gb18030"), "text/csv")},
    )
    assert r.status_code == 200 and "共3行，新增会员2个，已是会员1个" in r.text

    with db.session() as s:
        ids = {
            n: s.execute(select(CreditRecord.entity_id).where(CreditRecord.subject_name.like(f"%{n}"))).scalar()
            for n in (1, 2)
        }
        records_before = s.execute(select(func.count()).select_from(CreditRecord)).scalar_one()
    page = client.get("/console/association")
    row1 = page.text.split(f'data-uscc="{company_code(1)}"')[1].split("</tr>")[0]
    row2 = page.text.split(f'data-uscc="{company_code(2)}"')[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in row1  # one record in publicity
    assert "<td>严重失信主体名单信息</td>" in row2
    assert LABEL in page.text

    member1 = ids[1]
    incomplete = client.post(
        f"/console/association/members/{member1}/info",
        data={"csrf_token": token, "kind": "discipline", "title": "违反行业自律公约", "content": "", "occurred_on": ""},
    )
    assert incomplete.status_code == 422
    for reason in ("惩戒措施：应为警告", "内容：不能为空", "发生日期："):
        assert reason in incomplete.text
    ok = client.post(
        f"/console/association/members/{member1}/info",
        data={
            "csrf_token": token,
            "kind": "discipline",
            "measure": "通报批评",
            "title": "违反行业自律公约",
            "content": "销售过期食品，经理事会决定在全体会员范围内通报批评。",
            "occurred_on": "2026-11-25",
        },
    )
    assert ok.status_code == 200 and "已记录行业协会信息" in ok.text
    assert LABEL in ok.text and "通报批评" in ok.text and "不是政府部门作出的认定" in ok.text
    with db.session() as s:
        # Stored apart from the government credit record.
        assert s.execute(select(func.count()).select_from(CreditRecord)).scalar_one() == records_before
        assert s.execute(select(func.count()).select_from(AssociationInfo)).scalar_one() == 1

    # The public profile shows it too, in its own section, labelled (page and API alike).
    client.cookies.clear()
    profile = client.get(f"/portal/entities/{company_code(1)}")
    section = profile.text.split(LABEL, 1)[1]
    assert "违反行业自律公约" in section and "不是政府部门作出的认定" in section
    api = client.get(f"/api/v1/subjects/{company_code(1)}").json()
    shown = next(x for x in api["sections"] if x["key"] == "associations")
    assert shown["title"] == LABEL and shown["data"]["rows"][0]["信息性质"] == LABEL
    assert (
        shown["data"]["rows"][0]["措施"] == "通报批评" and shown["data"]["rows"][0]["记录单位"] == "密山市食品行业协会"
    )
    assert all(x["key"] != "associations" for x in client.get(f"/api/v1/subjects/{company_code(3)}").json()["sections"])

    # Another association sees and edits nothing of it.
    token_b = _as(client, "build")
    assert "密山市兴凯食品有限公司1" not in client.get("/console/association").text
    assert client.get(f"/console/association/members/{member1}").status_code == 404
    forged = client.post(
        f"/console/association/members/{member1}/info",
        data={"csrf_token": token_b, "kind": "training", "title": "培训", "content": "x", "occurred_on": "2026-11-01"},
    )
    assert forged.status_code == 404
    assert (
        client.post(f"/console/association/members/{member1}/remove", data={"csrf_token": token_b}).status_code == 404
    )
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(AssociationInfo)).scalar_one() == 1
    # A department user is not an association.
    client.cookies.clear()
    make_user(db, "op", "operator", "scjg")
    login(client, "op")
    assert client.get("/console/association").status_code == 403

    # 取消会员资格 ends the membership.
    token = _as(client, "food")
    client.post(
        f"/console/association/members/{ids[2]}/info",
        data={
            "csrf_token": token,
            "kind": "discipline",
            "measure": "取消会员资格",
            "title": "严重违反章程",
            "content": "被列入严重失信主体名单，经会员大会决定取消会员资格。",
            "occurred_on": "2026-11-26",
        },
    )
    with db.session() as s:
        status = s.execute(select(AssociationMember.status).where(AssociationMember.entity_id == ids[2])).scalar_one()
        assert status == "removed"

"""Industry associations (T31): registration, member lists (one by one or from a CSV), the association's own member
credit information, and its members' public credit status.

Everything is scoped to one association: a user acts only for the association it is linked to, and every lookup of a
member or an information item goes through that association, so another association can neither see nor edit it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import User
from xinyong.associations.models import Association, AssociationInfo, AssociationMember, AssociationUser
from xinyong.catalog.models import CatalogItem
from xinyong.core import audit
from xinyong.core.audit import Actor
from xinyong.core.clock import get_clock
from xinyong.core.datafiles import shipped_loader
from xinyong.core.db import get_or_404
from xinyong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinyong.core.identifiers import check_uscc
from xinyong.disclosure import service as disclosure_service
from xinyong.evaluation import service as evaluation_service
from xinyong.records.models import CreditRecord
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Entity

ACTIVE, REMOVED = "active", "removed"
CODE_HEADERS = ("统一社会信用代码", "XDR_SHXYM", "uscc")
JOINED_HEADERS = ("入会日期", "joined_on")


class AssociationRules(BaseModel):
    """The shipped rules: kinds of information, self-discipline measures, import limits."""

    model_config = ConfigDict(extra="forbid")
    version: str
    effective_from: date
    title: str
    source: str
    label: str = Field(min_length=1)
    kinds: dict[str, str]
    measures: list[str] = Field(min_length=1)
    removing_measures: list[str]
    max_import_rows: int = Field(gt=0)
    max_import_bytes: int = Field(gt=0)
    portal_years: int = Field(ge=0)


load_rules = shipped_loader("xinyong.associations", "association-rules.json", AssociationRules, "行业协会规则")


def _audit(session: Session, actor: Actor, action: str, association_id: int, detail: dict[str, Any]) -> None:
    audit.record(
        session, actor=actor, action=action, object_type="association", object_id=association_id, detail=detail
    )


# --------------------------------------------------------------------------------------------------
# Registration and users (the credit office)
# --------------------------------------------------------------------------------------------------


def _code(raw: str, what: str) -> str:
    check = check_uscc(raw or "")
    if not check.ok:
        raise ValidationFailed(f"{what}：{check.reason}")
    return check.code


def register(
    session: Session, *, uscc: str, name: str, supervising_department: str | None, actor: Actor
) -> Association:
    """Register an association (its code and name are unique)."""
    code = _code(uscc, "统一社会信用代码")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("协会名称：不能为空")
    if session.execute(select(Association.id).where((Association.uscc == code) | (Association.name == name))).first():
        raise Conflict(f"行业协会“{name}”（{code}）已登记。")
    dept = subjects_service.department_by_code(session, supervising_department) if supervising_department else None
    if supervising_department and dept is None:
        raise ValidationFailed(f"业务主管部门：部门代码“{supervising_department}”不存在")
    row = Association(
        uscc=code,
        name=name,
        supervising_department_id=dept.id if dept else None,
        created_at=get_clock().now(),
        created_by=actor.label,
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "association.register", row.id, {"uscc": code, "name": name})
    return row


def link_user(session: Session, *, association_id: int, username: str, actor: Actor) -> None:
    """Let a user with the role `association` act for the association (a user serves one association)."""
    association = get_or_404(session, Association, association_id, "行业协会不存在。")
    user = session.execute(select(User).where(User.username == (username or "").strip())).scalar_one_or_none()
    if user is None:
        raise ValidationFailed(f"用户名：用户“{username}”不存在")
    if user.role != "association":
        raise ValidationFailed(f"用户名：用户“{username}”的角色不是行业协会")
    link = session.get(AssociationUser, user.id)
    if link is not None and link.association_id != association.id:
        raise Conflict(f"用户“{username}”已是其他行业协会的账号。")
    if link is None:
        session.add(AssociationUser(user_id=user.id, association_id=association.id))
        session.flush()
        _audit(session, actor, "association.link_user", association.id, {"username": user.username})


def all_associations(session: Session) -> list[tuple[Association, int, list[str]]]:
    """Every association with its active member count and its users."""
    counts = dict(
        session.execute(
            select(AssociationMember.association_id, func.count())
            .where(AssociationMember.status == ACTIVE)
            .group_by(AssociationMember.association_id)
        ).all()
    )
    users: dict[int, list[str]] = {}
    for assoc_id, username in session.execute(
        select(AssociationUser.association_id, User.username).join(User, User.id == AssociationUser.user_id)
    ):
        users.setdefault(assoc_id, []).append(username)
    rows = session.execute(select(Association).order_by(Association.id)).scalars()
    return [(a, int(counts.get(a.id, 0)), users.get(a.id, [])) for a in rows]


def exists(session: Session, name: str) -> bool:
    """Whether an association of that name is registered."""
    return session.execute(select(Association.id).where(Association.name == name)).first() is not None


def association_of(session: Session, user_id: int | None) -> Association:
    """The association the user acts for."""
    link = session.get(AssociationUser, user_id) if user_id is not None else None
    if link is None:
        raise PermissionDenied("当前账号未关联行业协会，请联系信用办管理员关联后再办理。")
    association = session.get(Association, link.association_id)
    assert association is not None
    return association


# --------------------------------------------------------------------------------------------------
# Members
# --------------------------------------------------------------------------------------------------


def _member(session: Session, association: Association, entity_id: int) -> AssociationMember | None:
    return session.execute(
        select(AssociationMember).where(
            AssociationMember.association_id == association.id, AssociationMember.entity_id == entity_id
        )
    ).scalar_one_or_none()


def member_entity(session: Session, association: Association, entity_id: int) -> tuple[Entity, AssociationMember]:
    """A member (current or former) of this association; any other entity is not found."""
    member = _member(session, association, entity_id)
    entity = session.get(Entity, entity_id) if member else None
    if member is None or entity is None:
        raise NotFound("本会没有该会员。")
    return entity, member


def _set_active(
    session: Session, association: Association, entity: Entity, joined_on: date | None, actor: Actor
) -> bool:
    """Make the entity an active member; False when it already was one."""
    member = _member(session, association, entity.id)
    now = get_clock().now()
    if member is not None and member.status == ACTIVE:
        return False
    if member is None:
        member = AssociationMember(association_id=association.id, entity_id=entity.id)
        session.add(member)
    member.status, member.joined_on, member.removed_on = ACTIVE, joined_on or get_clock().today(), None
    member.updated_at, member.updated_by = now, actor.label
    return True


def add_member(
    session: Session, *, association: Association, uscc: str, joined_on: date | None, actor: Actor
) -> Entity:
    """Add a member by its Unified Social Credit Code (the entity must be registered on the platform)."""
    code = _code(uscc, "统一社会信用代码")
    entity = session.execute(select(Entity).where(Entity.uscc == code)).scalar_one_or_none()
    if entity is None:
        raise ValidationFailed(f"统一社会信用代码：{code} 在市场主体库中不存在")
    if not _set_active(session, association, entity, joined_on, actor):
        raise Conflict(f"{entity.name}（{code}）已是本会会员。")
    session.flush()
    _audit(session, actor, "association.member_add", association.id, {"uscc": code})
    return entity


def remove_member(session: Session, *, association: Association, entity_id: int, actor: Actor, reason: str) -> None:
    """Remove a member (the row stays, marked removed, with its information)."""
    entity, member = member_entity(session, association, entity_id)
    if member.status != ACTIVE:
        raise Conflict(f"{entity.name}已不是本会会员。")
    member.status, member.removed_on = REMOVED, get_clock().today()
    member.updated_at, member.updated_by = get_clock().now(), actor.label
    session.flush()
    _audit(session, actor, "association.member_remove", association.id, {"uscc": entity.uscc, "reason": reason})


@dataclass
class ImportResult:
    """What a member import did, or every problem found (then nothing was written)."""

    rows: int = 0
    added: int = 0
    already: int = 0
    errors: list[str] = field(default_factory=list)


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed("文件编码无法识别：请保存为 UTF-8 或 GB18030 编码的 CSV 文件。")


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    for i, h in enumerate(header):
        if h.strip() in names:
            return i
    return None


def import_members(session: Session, *, association: Association, content: bytes, actor: Actor) -> ImportResult:
    """Add members from a CSV (统一社会信用代码 and optionally 入会日期); every row is checked first and nothing is
    written when any row is wrong; members already active are counted, not duplicated."""
    rules = load_rules()
    if len(content) > rules.max_import_bytes:
        raise ValidationFailed(f"文件过大：不能超过{rules.max_import_bytes // 1024}KB。")
    lines = list(csv.reader(io.StringIO(_decode(content))))
    if not lines:
        raise ValidationFailed("文件为空：第1行应为表头（统一社会信用代码,入会日期）。")
    header = lines[0]
    code_col, joined_col = _column(header, CODE_HEADERS), _column(header, JOINED_HEADERS)
    if code_col is None:
        raise ValidationFailed("第1行 表头：缺少“统一社会信用代码”列。")
    body = [(n, row) for n, row in enumerate(lines[1:], start=2) if any(c.strip() for c in row)]
    if len(body) > rules.max_import_rows:
        raise ValidationFailed(f"文件行数过多：一次最多导入{rules.max_import_rows}行。")
    result = ImportResult(rows=len(body))
    wanted: list[tuple[str, date | None]] = []
    seen: dict[str, int] = {}
    for n, row in body:
        raw = row[code_col].strip() if code_col < len(row) else ""
        check = check_uscc(raw)
        if not raw:
            result.errors.append(f"第{n}行 统一社会信用代码：不能为空")
            continue
        if not check.ok:
            result.errors.append(f"第{n}行 统一社会信用代码：{raw} {check.reason}")
            continue
        if check.code in seen:
            result.errors.append(f"第{n}行 统一社会信用代码：{check.code} 与第{seen[check.code]}行重复")
            continue
        seen[check.code] = n
        joined: date | None = None
        text = row[joined_col].strip() if joined_col is not None and joined_col < len(row) else ""
        if text:
            try:
                joined = date.fromisoformat(text)
            except ValueError:
                result.errors.append(f"第{n}行 入会日期：“{text}”不是有效的日期（应为YYYY-MM-DD）")
                continue
        wanted.append((check.code, joined))
    codes = [c for c, _ in wanted]
    entities = {e.uscc: e for e in session.execute(select(Entity).where(Entity.uscc.in_(codes))).scalars() if e.uscc}
    for code, _ in wanted:
        if code not in entities:
            result.errors.append(f"第{seen[code]}行 统一社会信用代码：{code} 在市场主体库中不存在")
    if result.errors:
        result.errors.sort(key=lambda e: int(e[1 : e.index("行")]))
        return result
    for code, joined in wanted:
        if _set_active(session, association, entities[code], joined, actor):
            result.added += 1
        else:
            result.already += 1
    session.flush()
    _audit(
        session,
        actor,
        "association.member_import",
        association.id,
        {"rows": result.rows, "added": result.added, "already": result.already},
    )
    return result


@dataclass
class MemberStatus:
    """A member and its public credit status, as the portal shows it today."""

    entity: Entity
    member: AssociationMember
    grade: dict[str, str] | None
    lists: list[str]
    publicity_records: int
    association_items: int


def members(session: Session, *, association: Association, include_removed: bool = False) -> list[MemberStatus]:
    """The association's members with their public credit status: the grade where the portal shows grades, list
    memberships, records in publicity (one aggregate query each), and the association's own items."""
    stmt = (
        select(AssociationMember, Entity)
        .join(Entity, Entity.id == AssociationMember.entity_id)
        .where(AssociationMember.association_id == association.id)
        .order_by(AssociationMember.status, Entity.name)
    )
    if not include_removed:
        stmt = stmt.where(AssociationMember.status == ACTIVE)
    rows = [(m, e) for m, e in session.execute(stmt)]
    ids = [e.id for _, e in rows]
    if not ids:
        return []
    today = get_clock().today()
    shown = disclosure_service.visible_on(today, disclosure_service.public_item_ids(session))
    counts = dict(
        session.execute(
            select(CreditRecord.entity_id, func.count())
            .where(CreditRecord.entity_id.in_(ids), shown)
            .group_by(CreditRecord.entity_id)
        ).all()
    )
    names = dict(session.execute(select(CatalogItem.code, CatalogItem.name)).all())
    lists: dict[int, list[str]] = {}
    memberships = evaluation_service.list_memberships(session, on=today, entity_ids=ids).subquery()
    for entity_id, list_code in session.execute(select(memberships.c.entity_id, memberships.c.list_code)):
        label = names.get(list_code, list_code)
        if label not in lists.setdefault(entity_id, []):
            lists[entity_id].append(label)
    own = dict(
        session.execute(
            select(AssociationInfo.entity_id, func.count())
            .where(AssociationInfo.association_id == association.id, AssociationInfo.entity_id.in_(ids))
            .group_by(AssociationInfo.entity_id)
        ).all()
    )
    return [
        MemberStatus(
            entity=e,
            member=m,
            grade=evaluation_service.public_grade(session, e.id),
            lists=lists.get(e.id, []),
            publicity_records=int(counts.get(e.id, 0)),
            association_items=int(own.get(e.id, 0)),
        )
        for m, e in rows
    ]


# --------------------------------------------------------------------------------------------------
# The association's own member information
# --------------------------------------------------------------------------------------------------


def record_info(
    session: Session,
    *,
    association: Association,
    entity_id: int,
    values: dict[str, Any],
    actor: Actor,
) -> AssociationInfo:
    """Record a commitment, training or self-discipline measure about an active member; 取消会员资格 also ends the
    membership. Every field problem is reported at once."""
    rules = load_rules()
    entity, member = member_entity(session, association, entity_id)
    if member.status != ACTIVE:
        raise ValidationFailed(f"{entity.name}已不是本会会员，不能再记录行业协会信息。")
    errors: list[str] = []
    kind = (values.get("kind") or "").strip()
    if kind not in rules.kinds:
        errors.append(f"信息类别：应为{'、'.join(rules.kinds.values())}之一")
    measure = (values.get("measure") or "").strip() or None
    if kind == "discipline":
        if measure not in rules.measures:
            errors.append(f"惩戒措施：应为{'、'.join(rules.measures)}之一")
    elif measure:
        errors.append("惩戒措施：只有自律惩戒需要填写")
    title = (values.get("title") or "").strip()
    content = (values.get("content") or "").strip()
    if not title:
        errors.append("标题：不能为空")
    elif len(title) > 200:
        errors.append("标题：不能超过200字")
    if not content:
        errors.append("内容：不能为空")
    occurred: date | None = None
    text = (values.get("occurred_on") or "").strip()
    try:
        occurred = date.fromisoformat(text)
    except ValueError:
        errors.append(f"发生日期：“{text}”不是有效的日期（应为YYYY-MM-DD）")
    if occurred is not None and occurred > get_clock().today():
        errors.append("发生日期：不能晚于今天")
    if errors:
        raise ValidationFailed("行业协会信息有误：" + "；".join(errors), details=errors)
    assert occurred is not None
    info = AssociationInfo(
        association_id=association.id,
        entity_id=entity.id,
        kind=kind,
        measure=measure if kind == "discipline" else None,
        title=title,
        content=content,
        occurred_on=occurred,
        created_at=get_clock().now(),
        created_by=actor.label,
    )
    session.add(info)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="association.info",
        object_type="association_info",
        object_id=info.id,
        detail={"association": association.id, "uscc": entity.uscc, "kind": kind, "measure": measure},
    )
    if measure in rules.removing_measures:
        remove_member(session, association=association, entity_id=entity.id, actor=actor, reason=measure or "")
    return info


def infos(session: Session, *, association: Association, entity_id: int) -> list[AssociationInfo]:
    """The association's own items about one of its members, newest first."""
    member_entity(session, association, entity_id)
    return list(
        session.execute(
            select(AssociationInfo)
            .where(AssociationInfo.association_id == association.id, AssociationInfo.entity_id == entity_id)
            .order_by(AssociationInfo.occurred_on.desc(), AssociationInfo.id.desc())
        ).scalars()
    )


def public_items(session: Session, *, entity_id: int, today: date) -> list[tuple[Association, AssociationInfo]]:
    """The associations' items about an entity recorded in the last ``portal_years`` years, newest first, for the
    public profile (always shown with the association label)."""
    years = load_rules().portal_years
    since = today.replace(year=today.year - years, day=28 if (today.month, today.day) == (2, 29) else today.day)
    return [
        (a, i)
        for i, a in session.execute(
            select(AssociationInfo, Association)
            .join(Association, Association.id == AssociationInfo.association_id)
            .where(AssociationInfo.entity_id == entity_id, AssociationInfo.occurred_on >= since)
            .order_by(AssociationInfo.occurred_on.desc(), AssociationInfo.id.desc())
        )
    ]

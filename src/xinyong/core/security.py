"""Roles, permissions, password hashing and token primitives."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from xinyong.core.audit import Actor


class Role(StrEnum):
    """The roles of DESIGN.md 'Who uses it'."""

    public = "public"
    entity = "entity"
    operator = "operator"
    reviewer = "reviewer"
    inspector = "inspector"
    admin = "admin"
    auditor = "auditor"
    client = "client"
    association = "association"


ROLE_LABELS: dict[str, str] = {
    "public": "社会公众",
    "entity": "市场主体",
    "operator": "部门经办人",
    "reviewer": "部门审核人",
    "inspector": "执法检查人员",
    "admin": "信用办管理员",
    "auditor": "审计员",
    "client": "接口调用方",
    "association": "行业协会",
}

# Roles whose work is one department's: such an account (or token) without a department holds no department power.
DEPARTMENT_ROLES = frozenset({"operator", "reviewer", "inspector"})
NO_DEPARTMENT_MESSAGE = "业务经办、审核、检查人员必须归属一个部门。"

# The credit office's power over every department's data: an explicit permission, never a missing department.
ALL_DEPARTMENTS_PERMISSION = "records.oversee"

# Permissions each role holds. Routes declare one permission; nothing is allowed unless declared (deny by default).
_STAFF = frozenset({"console.enter", "subjects.read", "subjects.read_restricted", "catalog.read", "evaluation.read"})
_DEPARTMENT = _STAFF | {
    "departments.read",
    "records.submit",
    "records.read",
    "commitments.read",
    "commitments.manage",
    "voluntary.verify",
    "education.manage",
    "inspections.read",
    "inspections.manage",
    "evaluation.industry",
    "warnings.handle",
    "lists.read",
    "lists.propose",
    "bans.manage",
    "checks.run",
    "supervision.manage",
    "reports.request",
    "objections.handle",
    "objections.window",
    "evidence.read",
    "plan.report",
    "privacy.authorise",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "public": frozenset(),
    "entity": frozenset(
        {
            "console.enter",
            "subjects.read",
            "commitments.sign",
            "voluntary.register",
            "evaluation.own",
            "reports.request",
            "repair.apply",
            "objections.file",
            "evidence.read",
            "notices.read",
        }
    ),
    "operator": _DEPARTMENT,
    "reviewer": _DEPARTMENT | {"lists.decide", "repair.review", "objections.decide"},
    "inspector": _STAFF | {"inspections.perform"},
    "admin": _DEPARTMENT
    | {
        "admin.users",
        "admin.calendar",
        "admin.catalog",
        "audit.read",
        "records.oversee",
        "subjects.review",
        "commitments.matters",
        "evaluation.manage",
        "lists.decide",
        "checks.stats",
        "repair.review",
        "repair.recheck",
        "objections.decide",
        "credit.stats",
        "oversight.read",
        "associations.admin",
        "exchange.manage",
        "privacy.window",
    },
    "auditor": frozenset(
        {
            "console.enter",
            "subjects.read",
            "departments.read",
            "audit.read",
            "catalog.read",
            "evaluation.read",
            "oversight.read",
            "privacy.audit",
        }
    ),
    "association": frozenset({"console.enter", "subjects.read", "association.manage"}),
    "client": frozenset({"subjects.read", "checks.run", "open.public", "open.authorised", "open.bulk"}),
}

PERMISSION_LABELS: dict[str, str] = {
    "console.enter": "进入管理后台",
    "subjects.read": "查看主体信息",
    "subjects.read_restricted": "查看非公开主体信息",
    "departments.read": "查看部门信息",
    "admin.users": "管理用户",
    "admin.calendar": "管理工作日历",
    "audit.read": "查阅审计日志",
    "catalog.read": "查看信用信息目录",
    "admin.catalog": "管理信用信息目录",
    "records.submit": "报送信用信息",
    "records.read": "查看报送批次与信用记录",
    "records.oversee": "查看和办理各部门的信用数据（信用办）",
    "subjects.review": "核对主体名称",
    "commitments.read": "查看信用承诺",
    "commitments.manage": "受理信用承诺、记录履约情况",
    "commitments.matters": "管理告知承诺事项清单",
    "commitments.sign": "网上作出信用承诺",
    "voluntary.register": "自愿注册信用信息",
    "voluntary.verify": "核验自愿注册信息",
    "education.manage": "登记诚信教育培训",
    "inspections.read": "查看双随机抽查计划与结果",
    "inspections.manage": "管理抽查事项、检查人员名录库和抽查计划，组织抽取",
    "inspections.perform": "查看本人检查任务、录入检查结果",
    "evaluation.read": "查看信用评价等级与解释",
    "evaluation.manage": "管理信用评价模型",
    "evaluation.industry": "导入行业信用评价",
    "evaluation.own": "查看本单位信用等级",
    "warnings.handle": "签收和处置信用预警",
    "lists.read": "查看名单",
    "lists.propose": "提出列入申请、送达告知、记录陈述申辩",
    "lists.decide": "审核列入决定、公布和移出名单",
    "bans.manage": "登记市场和行业禁入决定",
    "checks.run": "办理事项时进行信用核查并反馈",
    "checks.stats": "查看信用核查统计",
    "supervision.manage": "整改、约谈与专项治理",
    "reports.request": "申请信用报告",
    "repair.apply": "申请信用修复",
    "repair.review": "审核信用修复申请",
    "repair.recheck": "复核已修复案例",
    "objections.file": "提出异议申请",
    "objections.handle": "核查异议申请",
    "objections.decide": "作出异议处理决定",
    "evidence.read": "查看异议、修复申请的证明材料",
    "objections.window": "信用服务窗口代自然人提出异议",
    "notices.read": "查看消息通知",
    "credit.stats": "查看修复与异议统计",
    "oversight.read": "查看部门履职监测、计划任务进展和考核评分表",
    "plan.report": "报送本部门负责的计划任务进展",
    "associations.admin": "登记行业协会并关联协会账号",
    "association.manage": "管理本协会会员名单和会员信用信息",
    "exchange.manage": "管理信息向上报送和接口调用方",
    "open.public": "接口：查询公开信用信息",
    "open.authorised": "接口：经主体授权查询信用信息",
    "open.bulk": "接口：批量获取双公示公开数据",
    "privacy.authorise": "登记自然人的查询授权",
    "privacy.audit": "审查个人信息查询登记",
    "privacy.window": "为本人出具被查询记录",
}


def effective_permissions(
    role: str, department_id: int | None, granted: frozenset[str] | None = None
) -> frozenset[str]:
    """What an account or token of ``role`` may do: a department-bound role without a department (a legacy row)
    keeps only entering the console, so it is refused everywhere else instead of acting for every department."""
    allowed = ROLE_PERMISSIONS.get(role, frozenset())
    if role in DEPARTMENT_ROLES and department_id is None:
        return allowed & {"console.enter"}
    return allowed if granted is None else frozenset(p for p in granted if p in allowed)


def role_label(role: str) -> str:
    """The Chinese name of a role."""
    return ROLE_LABELS.get(role, role)


def parse_role(text: str) -> Role:
    """A role from its code, or a Chinese error listing the valid ones."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        valid = "、".join(f"{r.value}（{ROLE_LABELS[r.value]}）" for r in Role)
        raise ValueError(f"角色“{text}”不存在，可选：{valid}") from None


_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; runs a full hash even for unknown users so timing tells nothing."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def check_password_strength(password: str) -> str | None:
    """A Chinese reason if the password is too weak, else None."""
    if len(password) < 10:
        return "密码至少10位。"
    classes = sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if classes < 3:
        return "密码应至少包含大写字母、小写字母、数字、符号中的三类。"
    return None


def new_secret_token(prefix: str) -> tuple[str, str, str]:
    """A new token: (full token, lookup prefix, SHA-256 digest of the full token)."""
    lookup = secrets.token_hex(6)
    token = f"{prefix}_{lookup}_{secrets.token_urlsafe(32)}"
    return token, lookup, digest(token)


def digest(token: str) -> str:
    """SHA-256 hex digest (tokens are high-entropy, so a fast hash is appropriate)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """The caller of a request: anonymous public, a logged-in user or an API token."""

    role: str = "public"
    permissions: frozenset[str] = field(default_factory=frozenset)
    user_id: int | None = None
    token_id: int | None = None
    username: str | None = None
    display_name: str | None = None
    department_id: int | None = None
    department_code: str | None = None
    department_name: str | None = None
    entity_id: int | None = None
    session_id: int | None = None
    ip: str | None = None
    client_id: int | None = None  # a registered API client (third party, association)
    client_rate: int | None = None  # its calls per minute

    @property
    def lacks_department(self) -> bool:
        """Whether a department-bound role has no department (it may do no department work)."""
        return self.role in DEPARTMENT_ROLES and self.department_id is None

    @property
    def is_authenticated(self) -> bool:
        """Whether a user or token is behind the request."""
        return self.user_id is not None or self.token_id is not None

    def can(self, permission: str) -> bool:
        """Whether the principal holds the permission."""
        return permission in self.permissions

    def actor(self) -> Actor:
        """The audit actor for this principal."""
        label = self.username or (f"token:{self.token_id}" if self.token_id else "anonymous")
        return Actor(
            label=label,
            user_id=self.user_id,
            token_id=self.token_id,
            department_code=self.department_code,
            role=self.role,
            ip=self.ip,
        )


ANONYMOUS = Principal()

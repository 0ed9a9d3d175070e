"""The console navigation: each domain adds its entries; a user sees those its permissions allow."""

from __future__ import annotations

from dataclasses import dataclass

from xinyong.core.security import Principal


@dataclass(frozen=True)
class NavItem:
    """One entry of the console sidebar."""

    section: str
    label: str
    href: str
    permission: str


CONSOLE_NAV: list[NavItem] = [
    NavItem("工作台", "概览", "/console", "console.enter"),
    NavItem("信息归集", "报送信用信息", "/console/ingest", "records.submit"),
    NavItem("信息归集", "报送及时率", "/console/ingest/timeliness", "records.oversee"),
    NavItem("信息归集", "主体名称核对", "/console/subjects/name-reviews", "subjects.review"),
    NavItem("信用承诺", "告知承诺事项", "/console/commitment-matters", "commitments.read"),
    NavItem("信用承诺", "受理与核查", "/console/commitments", "commitments.read"),
    NavItem("信用承诺", "核查提醒", "/console/commitments/overdue", "commitments.read"),
    NavItem("信用承诺", "自愿注册核验", "/console/voluntary", "voluntary.verify"),
    NavItem("信用承诺", "诚信教育", "/console/education", "education.manage"),
    NavItem("信用服务", "信用报告", "/console/reports", "reports.request"),
    NavItem("信用服务", "信用修复审核", "/console/repair", "repair.review"),
    NavItem("信用服务", "修复复核抽查", "/console/repair/rechecks", "repair.recheck"),
    NavItem("信用服务", "异议核查处理", "/console/objections", "objections.handle"),
    NavItem("信用服务", "修复与异议统计", "/console/credit-stats", "credit.stats"),
    NavItem("本单位", "我的信用承诺", "/console/my/commitments", "commitments.sign"),
    NavItem("本单位", "自愿注册信息", "/console/my/voluntary", "voluntary.register"),
    NavItem("本单位", "信用修复申请", "/console/my/repair", "repair.apply"),
    NavItem("本单位", "异议申请", "/console/my/objections", "objections.file"),
    NavItem("本单位", "消息通知", "/console/my/notices", "notices.read"),
    NavItem("基础数据", "部门与监管领域", "/console/departments", "departments.read"),
    NavItem("基础数据", "工作日历", "/console/calendar", "console.enter"),
    NavItem("基础数据", "信用信息目录", "/console/catalog", "catalog.read"),
    NavItem("系统管理", "用户与访问令牌", "/console/users", "admin.users"),
    NavItem("系统管理", "审计日志", "/console/audit", "audit.read"),
]


def nav_for(principal: Principal) -> list[tuple[str, list[NavItem]]]:
    """The sidebar sections visible to the principal, in order."""
    sections: dict[str, list[NavItem]] = {}
    for item in CONSOLE_NAV:
        if principal.can(item.permission):
            sections.setdefault(item.section, []).append(item)
    return list(sections.items())

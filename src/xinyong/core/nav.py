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
    NavItem("双随机抽查", "抽查计划", "/console/inspections", "inspections.read"),
    NavItem("双随机抽查", "一单两库", "/console/inspections/libraries", "inspections.read"),
    NavItem("双随机抽查", "逾期未公示结果", "/console/inspections/overdue", "inspections.read"),
    NavItem("双随机抽查", "我的检查任务", "/console/inspections/my", "inspections.perform"),
    NavItem("信用核查", "办理事项核查", "/console/checks", "checks.run"),
    NavItem("信用核查", "核查统计", "/console/checks/statistics", "checks.stats"),
    NavItem("名单与惩戒", "名单管理", "/console/lists", "lists.read"),
    NavItem("名单与惩戒", "措施清单", "/console/measures", "lists.read"),
    NavItem("名单与惩戒", "市场和行业禁入", "/console/bans", "lists.read"),
    NavItem("名单与惩戒", "整改、约谈与专项治理", "/console/supervision", "supervision.manage"),
    NavItem("履职监测", "部门履职监测", "/console/oversight", "oversight.read"),
    NavItem("履职监测", "计划任务进展", "/console/oversight/plan", "oversight.read"),
    NavItem("履职监测", "计划任务进展报送", "/console/plan/my", "plan.report"),
    NavItem("协同监管", "行业协会", "/console/associations", "associations.admin"),
    NavItem("协同监管", "会员信用状况", "/console/association", "association.manage"),
    NavItem("本单位", "我的信用承诺", "/console/my/commitments", "commitments.sign"),
    NavItem("本单位", "自愿注册信息", "/console/my/voluntary", "voluntary.register"),
    NavItem("信用评价", "信用等级", "/console/evaluation", "evaluation.read"),
    NavItem("信用评价", "预警信息", "/console/evaluation/warnings", "warnings.handle"),
    NavItem("信用评价", "行业评价导入", "/console/evaluation/industry", "evaluation.industry"),
    NavItem("信用评价", "评价模型", "/console/evaluation/model", "evaluation.read"),
    NavItem("信用评价", "本单位信用等级", "/console/evaluation/mine", "evaluation.own"),
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
    NavItem("信息报送", "向上报送", "/console/exchange", "exchange.manage"),
    NavItem("信息报送", "接口调用方", "/console/exchange/clients", "exchange.manage"),
    NavItem("系统管理", "用户与访问令牌", "/console/users", "admin.users"),
    NavItem("系统管理", "审计日志", "/console/audit", "audit.read"),
    NavItem("个人信息保护", "查询授权", "/console/privacy/authorisations", "privacy.authorise"),
    NavItem("个人信息保护", "本人被查询记录", "/console/privacy/person-report", "privacy.window"),
    NavItem("个人信息保护", "查询登记审查", "/console/privacy/queries", "privacy.audit"),
    NavItem("个人信息保护", "异常查询", "/console/privacy/anomalies", "privacy.audit"),
]


def nav_for(principal: Principal) -> list[tuple[str, list[NavItem]]]:
    """The sidebar sections visible to the principal, in order."""
    sections: dict[str, list[NavItem]] = {}
    for item in CONSOLE_NAV:
        if principal.can(item.permission):
            sections.setdefault(item.section, []).append(item)
    return list(sections.items())

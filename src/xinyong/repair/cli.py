"""`xinyong repair …`: repair and objection deadline reminders."""

from __future__ import annotations

import typer

from xinyong.core.cli import out, unit_of_work

repair_app = typer.Typer(help="信用修复：期限提醒。", no_args_is_help=True)


@repair_app.command("remind")
def remind() -> None:
    """列出待审核的信用修复申请和处理中的异议：已超期、即将到期的标出。"""
    from xinyong.objections import service as objections_service
    from xinyong.repair import service

    with unit_of_work() as (_db, session):
        rows = service.reminders(session)
        overdue_objections = objections_service.overdue(session)
        for r in rows:
            flag = "已超期" if r.overdue else ("即将到期" if r.due_soon else "")
            a = r.application
            out.print(f"修复\t{a.number}\t期限{a.due_on.isoformat()}\t剩余{r.working_days_left}个工作日\t{flag}")
        for o in overdue_objections:
            out.print(f"异议\t{o.number}\t期限{o.due_on.isoformat()}\t已超期")
    if not rows and not overdue_objections:
        out.print("没有待审核的修复申请或超期的异议。")

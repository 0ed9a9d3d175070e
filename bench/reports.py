"""Benchmark: credit report generation (PDF render + Ed25519 signature) and verification, against a baseline
measured in the same run.

    python bench/reports.py [--records 0,20,200] [--runs 5]

For an entity with N penalties in publicity, times issuing a 详版 and a 简版 report (gather + render + sign + store)
and verifying the file by upload (signature + lookup). Baseline: rendering a one-page PDF with the same CJK font
and stylesheet and no data (the floor of any report: WeasyPrint start, font subsetting), in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xinyong.catalog import service as catalog_service
from xinyong.core import calendar as calendar_service
from xinyong.core.audit import Actor
from xinyong.core.clock import CHINA_TZ, FixedClock, set_clock
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Database, upgrade
from xinyong.ingestion import service as ingestion_service
from xinyong.reports import service
from xinyong.subjects import service as subjects_service

SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
ACTOR = Actor(label="bench", department_code="scjg", role="operator")
USCC = "91230382MA00000159"


def _penalty(n: int) -> dict[str, str]:
    return {
        "CF_XDR_MC": "密山市兴凯食品有限公司",
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": USCC,
        "CF_FRDB": "王建国",
        "CF_WSH": f"密市监罚〔2026〕{n}号",
        "CF_WFXW": "销售不符合食品安全标准的食品",
        "CF_SY": "经查，当事人销售过期食品。",
        "CF_YJ": "《中华人民共和国食品安全法》第一百二十四条",
        "CF_CFLB": "罚款",
        "CF_NR": f"罚款{1000 + n}元",
        "CF_NR_FK": "0.5",
        "CF_JDRQ": "2026-10-20",
        "CF_CFJG": "密山市市场监督管理局",
        "CF_CFJGDM": "112303820023820061",
        "CF_SJLY": "密山市市场监督管理局",
        "CF_SJLYDM": "112303820023820061",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", default="0,20,200")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    set_clock(FixedClock(__import__("datetime").datetime(2026, 11, 28, 10, 0, tzinfo=CHINA_TZ)))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        db = Database(url)
        with db.session() as s:
            subjects_service.load_reference_data(s, actor=ACTOR)
            calendar_service.seed_from_chinesecalendar(s, actor=ACTOR)
            catalog_service.load_shipped(s, actor=ACTOR)
        cipher = get_cipher(SECRET)
        from weasyprint import CSS, HTML

        css = CSS(filename=str(service.STYLESHEET))
        base = []
        for _ in range(args.runs):
            t = time.perf_counter()
            HTML(string="<html><body><h1>公共信用信息报告</h1><p>基线</p></body></html>").write_pdf(stylesheets=[css])
            base.append(time.perf_counter() - t)
        baseline = statistics.median(base)
        print(f"baseline one-page CJK PDF: {baseline * 1000:.0f} ms (median of {args.runs})")
        done = 0
        for target in (int(x) for x in args.records.split(",")):
            with db.session() as s:
                for n in range(done, target):
                    ingestion_service.submit_one(
                        s, kind="penalty", fields=_penalty(n + 1), department_code="scjg", actor=ACTOR, cipher=cipher
                    )
                done = max(done, target)
                from sqlalchemy import select

                from xinyong.subjects.models import Entity

                entity = s.execute(select(Entity).where(Entity.uscc == USCC)).scalar_one_or_none()
                if entity is None:
                    entity = subjects_service.create_entity(
                        s, actor=ACTOR, uscc=USCC, name="密山市兴凯食品有限公司", category="法人及非法人组织",
                        entity_type="企业", region_code="230382",
                    )  # fmt: skip
                entity_id = entity.id
            for edition in ("full", "simple"):
                times, verify, size, pages = [], [], 0, 0
                for _ in range(args.runs):
                    with db.session() as s:
                        t = time.perf_counter()
                        report, _code = service.issue_report(
                            s, entity_id=entity_id, edition=edition, purpose="bidding", purpose_note=None,
                            requester=service.Requester(actor=ACTOR, entity_id=entity_id), secret=SECRET,
                            verify_base="http://127.0.0.1:8000",
                        )  # fmt: skip
                        times.append(time.perf_counter() - t)
                        data = report.pdf
                        size = len(data)
                        t = time.perf_counter()
                        assert service.verify_file(s, data=data, secret=SECRET).ok
                        verify.append(time.perf_counter() - t)
                from io import BytesIO

                from pypdf import PdfReader

                pages = len(PdfReader(BytesIO(data)).pages)
                med = statistics.median(times)
                print(
                    f"{target:>4} penalties {edition:>6}: issue {med * 1000:.0f} ms (max {max(times) * 1000:.0f}), "
                    f"{med / baseline:.1f}x baseline; {pages} pages, {size / 1024:.0f} KB; "
                    f"verify upload {statistics.median(verify) * 1000:.1f} ms"
                )
        db.dispose()


if __name__ == "__main__":
    main()

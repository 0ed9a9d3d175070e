"""Console pages of the catalogue: versions, items, fields; loading a new version."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import HTMLResponse

from xinyong.catalog import service
from xinyong.catalog.models import CatalogVersion
from xinyong.catalog.schemas import NATURE_LABELS, OPENNESS_LABELS, TYPE_LABELS
from xinyong.core.forms import form_action
from xinyong.core.security import Principal
from xinyong.core.web import DbSession, accepts_upload, render, requires
from xinyong.subjects import service as subjects_service

router = APIRouter(prefix="/console/catalog", include_in_schema=False)

Reader = Annotated[Principal, Depends(requires("catalog.read"))]


def _context(session: DbSession, version: str | None) -> dict[str, object]:
    versions = service.list_versions(session)
    current = service.get_version(session, version or versions[0].version) if versions else None
    return {
        "versions": versions,
        "current": current,
        "nature_labels": NATURE_LABELS,
        "openness_labels": OPENNESS_LABELS,
        "departments": {d.code: d.short_name for d in subjects_service.list_departments(session)},
        "categories": {c.code: c.name for c in current.categories} if current else {},
        "error": None,
        "message": None,
    }


@router.get("", response_class=HTMLResponse)
def catalog_page(request: Request, session: DbSession, _: Reader, version: str | None = None) -> HTMLResponse:
    """The catalogue version in force (or a chosen one) with its items."""
    return render(request, "console/catalog.html", _context(session, version))


@router.get("/{version}/{code}", response_class=HTMLResponse)
def item_page(request: Request, session: DbSession, _: Reader, version: str, code: str) -> HTMLResponse:
    """One item's fields and rules."""
    row = next((i for i in service.get_version(session, version).items if i.code == code), None)
    if row is None:
        from xinyong.core.errors import NotFound

        raise NotFound(f"目录版本{version}中没有信息类别“{code}”。")
    return render(
        request,
        "console/catalog_item.html",
        {
            "version": version,
            "item": row,
            "spec": service.spec_of(row),
            "type_labels": TYPE_LABELS,
            "nature_labels": NATURE_LABELS,
            "openness_labels": OPENNESS_LABELS,
        },
    )


@router.post("/load", response_class=HTMLResponse, dependencies=[accepts_upload(20)])
def load_version(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(requires("admin.catalog"))],
    file: UploadFile,
) -> HTMLResponse:
    """Publish a new catalogue version from an uploaded JSON file."""
    content = file.file.read(5_000_000)

    def published(loaded: tuple[CatalogVersion, bool]) -> HTMLResponse:
        version, new = loaded
        context = _context(session, version.version)
        context["message"] = (
            f"已发布目录{version.version}版，自{version.effective_from.isoformat()}起生效。"
            if new
            else f"目录{version.version}版已存在且内容相同，未作改动。"
        )
        return render(request, "console/catalog.html", context)

    return form_action(
        session,
        lambda: service.load_catalogue(session, content, actor=principal.actor()),
        done=published,
        failed=lambda exc: render(request, "console/catalog.html", {**_context(session, None), "error": exc.message}),
    )

"""ORM models of catalogue versions, categories and items."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.core.db import Base, UTCDateTime


class CatalogVersion(Base):
    """One published version of the catalogue; the version in force on a date has the latest start on or before it."""

    __tablename__ = "catalog_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[date] = mapped_column(Date, index=True)
    basis: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    categories: Mapped[list[CatalogCategory]] = relationship(
        back_populates="version", order_by="CatalogCategory.sort_order"
    )
    items: Mapped[list[CatalogItem]] = relationship(back_populates="version", order_by="CatalogItem.sort_order")


class CatalogCategory(Base):
    """A national catalogue category (全国公共信用信息基础目录)."""

    __tablename__ = "catalog_category"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalog_version.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(60))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    version: Mapped[CatalogVersion] = relationship(back_populates="categories")


class CatalogItem(Base):
    """A catalogue item: what may enter a credit record, with its fields, nature, openness and publicity rule."""

    __tablename__ = "catalog_item"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalog_version.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(80))
    category_code: Mapped[str] = mapped_column(String(20))
    nature: Mapped[str] = mapped_column(String(10))  # positive | negative | neutral
    openness: Mapped[str] = mapped_column(String(12))  # public | government | restricted
    subject_kinds: Mapped[list[str]] = mapped_column(JSON)
    source_departments: Mapped[list[str]] = mapped_column(JSON)
    publicity_rule: Mapped[str] = mapped_column(String(40))
    deadline_working_days: Mapped[int | None] = mapped_column(Integer)
    standard: Mapped[str | None] = mapped_column(Text)
    roles: Mapped[dict[str, str]] = mapped_column(JSON)
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    version: Mapped[CatalogVersion] = relationship(back_populates="items")

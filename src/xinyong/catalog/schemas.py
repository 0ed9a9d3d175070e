"""The catalogue file format (validated on load) and its parsed, typed form used by validation."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FieldType = Literal["text", "enum", "date", "amount_wan", "uscc", "id_number", "integer"]
NATURE_LABELS = {"positive": "正面", "negative": "负面", "neutral": "中性"}
OPENNESS_LABELS = {"public": "社会公开", "government": "政务共享", "restricted": "授权查询"}
TYPE_LABELS = {
    "text": "文本",
    "enum": "代码值",
    "date": "日期",
    "amount_wan": "金额（万元）",
    "uscc": "统一社会信用代码",
    "id_number": "证件号码",
    "integer": "整数",
}
SUBJECT_CATEGORIES = ("法人及非法人组织", "自然人", "个体工商户")


class Condition(BaseModel):
    """A field is required when another field's value is in a set (or, for multi-valued fields, contains one)."""

    model_config = ConfigDict(extra="forbid")
    field: str
    in_: list[str] | None = Field(default=None, alias="in")
    contains: list[str] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        if (self.in_ is None) == (self.contains is None):
            raise ValueError("条件须且只须给出 in 或 contains 之一")
        return self


class FieldSpec(BaseModel):
    """One field of a catalogue item."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    name: str
    type: FieldType
    required: bool = False
    required_when: Condition | None = None
    alternatives: list[str] = []  # older codes that may stand in for this one (e.g. 工商注册号 for the USCC)
    values: list[str] = []
    labels: dict[str, str] = {}
    multiple: bool = False
    max_length: int | None = None
    not_future: bool = False
    not_before: str | None = None
    id_type_field: str | None = None
    personal: bool = False

    @model_validator(mode="after")
    def _enum_has_values(self) -> FieldSpec:
        if self.type == "enum" and not self.values:
            raise ValueError(f"代码值字段{self.code}缺少取值列表 values")
        return self


ROLE_KEYS = ("subject_name", "subject_category", "uscc", "id_type", "id_number", "document_number", "decision_date")


class ItemSpec(BaseModel):
    """One catalogue item as written in the catalogue file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    category: str
    nature: Literal["positive", "negative", "neutral"]
    openness: Literal["public", "government", "restricted"]
    subject_kinds: list[Literal["法人及非法人组织", "自然人", "个体工商户"]]
    source_departments: list[str]
    publicity_rule: str
    deadline_working_days: int | None = Field(default=None, ge=0, le=250)
    standard: str | None = None
    roles: dict[str, str]
    fields: list[FieldSpec]

    @model_validator(mode="after")
    def _consistent(self) -> ItemSpec:
        codes = [f.code for f in self.fields]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"目录项{self.code}的字段代码重复：{'、'.join(dupes)}")
        known = set(codes)
        missing_roles = [k for k in ROLE_KEYS if k not in self.roles]
        if missing_roles:
            raise ValueError(f"目录项{self.code}缺少角色字段：{'、'.join(missing_roles)}")
        for key, code in self.roles.items():
            if code not in known:
                raise ValueError(f"目录项{self.code}的角色{key}指向不存在的字段{code}")
        for f in self.fields:
            refs = [
                f.not_before,
                f.id_type_field,
                *(f.alternatives),
                f.required_when.field if f.required_when else None,
            ]
            for ref in refs:
                if ref is not None and ref not in known:
                    raise ValueError(f"目录项{self.code}的字段{f.code}引用了不存在的字段{ref}")
        return self

    def field(self, code: str) -> FieldSpec:
        """The field with the given code."""
        for f in self.fields:
            if f.code == code:
                return f
        raise KeyError(code)


class CategorySpec(BaseModel):
    """A catalogue category."""

    model_config = ConfigDict(extra="forbid")
    code: str
    name: str


class CatalogueDoc(BaseModel):
    """A whole catalogue file."""

    model_config = ConfigDict(extra="forbid")
    version: str = Field(pattern=r"^\d{4}\.\d+$")
    effective_from: date
    title: str
    basis: str | None = None
    notes: str | None = None
    categories: list[CategorySpec]
    items: list[ItemSpec]

    @model_validator(mode="after")
    def _references(self) -> CatalogueDoc:
        cats = {c.code for c in self.categories}
        codes = [i.code for i in self.items]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"目录项代码重复：{'、'.join(dupes)}")
        for item in self.items:
            if item.category not in cats:
                raise ValueError(f"目录项{item.code}的类别{item.category}不在目录类别中")
        return self

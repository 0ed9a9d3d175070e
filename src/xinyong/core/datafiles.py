"""Reference-data files (rules, catalogue, courses) shipped in a package's ``data/``: read, checked with pydantic,
every problem reported in Chinese with its place."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from xinyong.core.errors import ValidationFailed

_Doc = TypeVar("_Doc", bound=BaseModel)


def json_content(content: bytes, what: str) -> Any:
    """An uploaded or shipped file's JSON (UTF-8, a BOM allowed); “{what}文件不是有效的UTF-8 JSON” otherwise."""
    try:
        return json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"{what}文件不是有效的UTF-8 JSON：{exc}") from None


def read_shipped(package: str, name: str) -> Any:
    """The JSON of ``data/<name>`` shipped in ``package`` (e.g. ``xinyong.repair``)."""
    return json.loads(resources.files(package).joinpath("data", name).read_bytes())


def validated(raw: Any, model: type[_Doc], what: str, *, strict: bool = False) -> _Doc:
    """``raw`` checked against ``model``; a ValidationFailed “{what}文件有误：…” naming each problem's place.
    ``strict`` validates in JSON mode with no coercion (a number written as a string is refused)."""
    try:
        if strict:
            return model.model_validate_json(json.dumps(raw), strict=True)
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = validation_problems(raw, exc)
        raise ValidationFailed(f"{what}文件有误：" + "；".join(problems), details=problems) from None


def shipped_loader(
    package: str, name: str, model: type[_Doc], what: str, *, check: Callable[[_Doc], None] | None = None
) -> Callable[[], _Doc]:
    """A loader of the file ``data/<name>`` shipped in ``package``: read once, validated against ``model`` (and by
    ``check``, which raises ValidationFailed for what the model cannot say), then cached; ``cache_clear`` re-reads."""

    @lru_cache(maxsize=1)
    def load() -> _Doc:
        doc = validated(read_shipped(package, name), model, what)
        if check is not None:
            check(doc)
        return doc

    load.__doc__ = f"The shipped {name}, validated (Chinese errors naming the place)."
    return load


def validation_problems(raw: Any, exc: ValidationError, *, limit: int = 10) -> list[str]:
    """Each problem as “place：reason”, the place named by keys and item numbers (with the item's code)."""
    return [f"{_location(raw, err['loc'])}：{_reason(err)}" for err in exc.errors()[:limit]]


def _location(raw: Any, loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    node = raw
    for key in loc:
        if isinstance(key, int) and isinstance(node, list):
            node = node[key] if key < len(node) else None
            label = node.get("code") if isinstance(node, dict) else None
            parts.append(f"第{key + 1}项" + (f"（{label}）" if label else ""))
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return " › ".join(parts) or "文件"


def _reason(err: Any) -> str:
    kind: str = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "缺少此项"
    if kind == "extra_forbidden":
        return "不认识的键"
    if kind in ("literal_error", "enum"):
        allowed = str(ctx.get("expected", "")).replace(" or ", ", ")
        return f"取值无效（允许：{allowed}）"
    if kind == "greater_than_equal":
        return "不能为负数" if ctx.get("ge") == 0 else f"不能小于{ctx.get('ge')}"
    if kind == "greater_than":
        return f"须大于{ctx.get('gt')}"
    if kind == "too_short":
        return "不能为空"
    if kind == "string_pattern_mismatch":
        return "格式不符合要求"
    if kind.startswith("date"):
        return "应为有效的YYYY-MM-DD日期"
    if kind.startswith("decimal"):
        return '应为数字（建议写成字符串，如"0.1"）'
    if kind.startswith("int"):
        return "应为整数"
    if kind.startswith("bool"):
        return "应为 true 或 false"
    if kind.startswith("string"):
        return "应为字符串"
    if kind in ("list_type", "tuple_type"):
        return "应为数组"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "应为对象"
    msg = str(err.get("msg", ""))
    if msg.startswith("Value error, "):
        return msg.removeprefix("Value error, ")
    return f"取值无效（{kind}）"

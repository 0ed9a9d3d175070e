"""The measures list (T21) is validated data; bans (T23) name the fields in error."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from tests.factories import CIPHER, REVIEWER, ban_values, dept_id

from xinyong.core.clock import FixedClock
from xinyong.core.errors import ValidationFailed
from xinyong.lists import service
from xinyong.lists.rules import load_rules, parse_rules


def test_the_measures_list_is_validated_data() -> None:
    raw = load_rules().model_dump(mode="json")
    raw["measures"][0]["lists"] = ["no_such_list"]
    with pytest.raises(ValidationFailed, match="no_such_list"):
        parse_rules(raw)
    raw = load_rules().model_dump(mode="json")
    raw["measures"][1]["code"] = raw["measures"][0]["code"]
    with pytest.raises(ValidationFailed, match="重复"):
        parse_rules(raw)


def test_ban_errors_name_fields(session: Session, clock: FixedClock) -> None:
    with pytest.raises(ValidationFailed) as caught:
        service.create_ban(
            session,
            values=ban_values(scope="x", starts_on="2026-13-01", ends_on=None),
            department_id=dept_id(session),
            actor=REVIEWER,
            cipher=CIPHER,
        )
    assert {"subject", "scope", "starts_on", "ends_on"} <= {d["field"] for d in caught.value.details}

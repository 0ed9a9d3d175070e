"""The word pools of the demo city (surnames, given names, towns, streets), shipped as data."""

from __future__ import annotations

import json
import random
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def word_pools() -> dict[str, Any]:
    """The pools of ``data/pools.json`` (read once)."""
    data: dict[str, Any] = json.loads(resources.files("xinyong.demo").joinpath("data", "pools.json").read_text("utf-8"))
    return data


def cumulative(weights: list[float]) -> list[float]:
    """Running totals of the weights, for ``random.choices(cum_weights=...)`` and ``bisect``."""
    out: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def person_name(rng: random.Random, surname: str, male: bool) -> str:
    """A given name of one or two characters after the surname."""
    p = word_pools()
    if male:
        first, second = p["given_male_first"], p["given_male_second"]
    else:
        first, second = p["given_female_first"], p["given_female_second"]
    if rng.random() < 0.3:
        return surname + second[int(rng.random() * len(second))]
    return surname + first[int(rng.random() * len(first))] + second[int(rng.random() * len(second))]

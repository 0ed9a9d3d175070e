"""Validated settings (environment prefix ``XINYONG_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_SECRET = "demo-secret-not-for-production-use-0000000000"
PROJECT_ROOT = Path(__file__).resolve().parents[3]


class Settings(BaseSettings):
    """Platform settings; refuses default secrets outside demo and test mode."""

    model_config = SettingsConfigDict(env_prefix="XINYONG_", env_file=".env", extra="ignore")

    mode: Literal["production", "demo", "test"] = "demo"
    database_url: str = "sqlite:///var/xinyong.db"
    secret_key: str = DEMO_SECRET
    timezone: str = "Asia/Shanghai"
    city_name: str = "密山市"
    region_code: str = "230382"
    platform_name: str = "信用密山"
    session_hours: int = 12
    login_max_failures: int = 5
    login_window_minutes: int = 15
    sql_echo: bool = False
    # Public portal: searches per minute and burst per client address (0 = unlimited); the daily publicity refresh
    # on server start-up.
    portal_search_per_minute: int = 30
    portal_search_burst: int = 15
    disclosure_refresh_on_startup: bool = True
    # Tamper evidence: write the day's anchor of the record and audit chains at the first start-up of the day.
    anchor_on_startup: bool = True

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.mode == "production" and (self.secret_key == DEMO_SECRET or len(self.secret_key) < 32):
            raise ValueError(
                "生产模式下必须通过环境变量 XINYONG_SECRET_KEY 设置至少32个字符的随机密钥，不能使用演示密钥。"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        """Whether the configured database is SQLite."""
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()

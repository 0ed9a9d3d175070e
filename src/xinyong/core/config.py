"""Validated settings (environment prefix ``XINYONG_``)."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from xinyong.core.clock import parse_clock

DEMO_SECRET = "demo-secret-not-for-production-use-0000000000"
PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEMO_PUBLIC_URL = "http://127.0.0.1:8000"


class Settings(BaseSettings):
    """Platform settings; refuses default secrets outside demo and test mode."""

    model_config = SettingsConfigDict(env_prefix="XINYONG_", env_file=".env", extra="ignore")

    mode: Literal["production", "demo", "test"] = "demo"
    database_url: str = "sqlite:///var/xinyong.db"
    secret_key: str = DEMO_SECRET
    # The three keys (docs/security.md): each falls back to ``secret_key`` in demo and test mode only; production
    # requires each set, distinct and at least 32 characters. ``field_key_previous`` is set only while
    # ``xinyong keys rotate-field-key`` re-encrypts the stored identifiers.
    field_key: str = ""
    field_key_previous: str = ""
    signing_key: str = ""
    session_secret: str = ""
    timezone: str = "Asia/Shanghai"
    city_name: str = "密山市"
    region_code: str = "230382"
    platform_name: str = "信用密山"
    session_hours: int = 12  # absolute session lifetime
    session_idle_minutes: int = 30  # a session unused this long ends
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
    # Request bodies, counted on the bytes actually received (chunked bodies included): routes that accept files
    # take up to ``max_request_mb`` (uploads of 1,000,000-row files are about 450 MB; some upload routes have a
    # smaller limit of their own), every other route (JSON, forms) up to ``max_body_kb``.
    max_request_mb: int = Field(default=1100, ge=1)
    max_body_kb: int = Field(default=1024, ge=16)
    # XLSX packages (ZIP): the largest uncompressed size of one member and the largest compression ratio of a
    # member larger than 1 MB (real sheets compress 10-20 times; a decompression bomb thousands of times).
    xlsx_max_member_mb: int = Field(default=2048, ge=1)
    xlsx_max_ratio: int = Field(default=100, ge=10)
    # The address the public reaches the platform at: printed in signed reports (verification link, QR code) and
    # in every stored link, never taken from the request's Host header. Required in production.
    public_url: str = ""
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated addresses or
    # networks, e.g. "10.0.0.5,10.0.1.0/24"); empty: the connection's own address is the caller's.
    trusted_proxies: str = ""
    # Reporting upward (exchange): directory destinations must lie under ``export_root``; HTTP destinations may
    # only name the hosts in ``exchange_hosts`` (comma-separated), and never a loopback, link-local or private
    # address unless ``exchange_allow_private`` is set (tests and single-host installations).
    export_root: Path = Path("var/exchange")
    exchange_hosts: str = ""
    exchange_allow_private: bool = False
    # Evidence files attached to objections and repair applications (PDF, JPG, PNG): size of each, files per filing.
    evidence_max_mb: int = Field(default=10, ge=1, le=100)
    evidence_max_files: int = Field(default=5, ge=1, le=20)
    # A bearer token, once resolved, is remembered by the process this many seconds (0 = never): a revocation or
    # any change of a token, API client or department clears the memory of this process at once, other processes
    # of the same deployment see it at the latest after this delay.
    token_cache_seconds: float = 5.0
    # Threads the credit check's database work runs on. Unset: one on SQLite (a single writer; many pool threads
    # doing short CPU-bound checks spent their time contending for the interpreter lock: measured 15-20 % more
    # throughput with one), the shared thread pool on PostgreSQL (whose commits wait for the disk and gain from
    # concurrent checks committing together). 0 = the shared pool.
    check_threads: int | None = None
    # Demo and training environments only: run the platform on another date (ISO date or datetime, China time);
    # the clock starts there and runs on. Refused in production.
    clock: str = ""

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.clock.strip():
            if self.mode == "production":
                raise ValueError("生产模式不能设置 XINYONG_CLOCK：平台必须使用真实时间。请删除该环境变量。")
            parse_clock(self.clock)
        if self.public_url:
            if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", self.public_url):
                raise ValueError("XINYONG_PUBLIC_URL 应为平台对外访问地址，如 https://xinyong.example.gov.cn。")
            self.public_url = self.public_url.rstrip("/")
        elif self.mode != "production":
            self.public_url = DEMO_PUBLIC_URL
        for proxy in self.trusted_proxy_list:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(f"XINYONG_TRUSTED_PROXIES 中的“{proxy}”不是IP地址或网段。") from None
        if self.mode != "production":
            return self
        if self.secret_key == DEMO_SECRET or len(self.secret_key) < 32:
            raise ValueError(
                "生产模式下必须通过环境变量 XINYONG_SECRET_KEY 设置至少32个字符的随机密钥，不能使用演示密钥。"
            )
        keys = {"XINYONG_SECRET_KEY": self.secret_key}
        for env, value in (
            ("XINYONG_FIELD_KEY", self.field_key),
            ("XINYONG_SIGNING_KEY", self.signing_key),
            ("XINYONG_SESSION_SECRET", self.session_secret),
        ):
            if not value or value == DEMO_SECRET or len(value) < 32:
                raise ValueError(f"生产模式下必须通过环境变量 {env} 设置至少32个字符的随机密钥，不能使用默认值。")
            if value in keys.values():
                same = next(k for k, v in keys.items() if v == value)
                raise ValueError(f"生产模式下 {env} 不能与 {same} 相同：每个密钥须单独生成，才能分别轮换。")
            keys[env] = value
        if self.field_key_previous and self.field_key_previous == self.field_key:
            raise ValueError("XINYONG_FIELD_KEY_PREVIOUS 与 XINYONG_FIELD_KEY 相同，轮换无意义。")
        if not self.public_url:
            raise ValueError(
                "生产模式下必须通过环境变量 XINYONG_PUBLIC_URL 设置平台对外访问地址（报告验证链接与二维码使用）。"
            )
        return self

    @property
    def field_secret(self) -> str:
        """The key material of field encryption and blind indexes (core/crypto.py)."""
        return self.field_key or self.secret_key

    @property
    def signing_secret(self) -> str:
        """The key material of the report signing key (reports/signing.py)."""
        return self.signing_key or self.secret_key

    @property
    def session_key(self) -> str:
        """The key of the session cookie digests: changing it ends every web session."""
        return self.session_secret or self.secret_key

    @property
    def trusted_proxy_list(self) -> list[str]:
        """The configured reverse proxies (addresses or networks)."""
        return [item.strip() for item in self.trusted_proxies.split(",") if item.strip()]

    @property
    def exchange_host_list(self) -> list[str]:
        """The hosts HTTP exchange destinations may name (lower case)."""
        return [item.strip().lower() for item in self.exchange_hosts.split(",") if item.strip()]

    @property
    def is_sqlite(self) -> bool:
        """Whether the configured database is SQLite."""
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()

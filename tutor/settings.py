"""The one settings object, read from the environment and `.env` (see `.env.example`)."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from retrieval.embeddings import DEFAULT_MODEL, Languages, model_languages, parse_languages

__all__ = ["Settings", "default_data_dir"]


def default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "tutorbot"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_nested_delimiter="__"
    )

    data_dir: Path = Field(default_factory=default_data_dir,
                           description="Where the SQLite database and indexes live.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; empty means a SQLite file in DATA_DIR.",
    )
    courses_dir: Path | None = Field(
        default=None,
        description="Extra folder of courses imported at start-up besides the bundled ones.",
    )
    import_bundled_courses: bool = True
    embedding_model: str | None = Field(
        default=None,
        description="A sentence-transformers model name or local path; empty: the bundled "
                    "all-MiniLM-L6-v2.",
    )
    embedding_languages: str | None = Field(
        default=None,
        description="The languages the embedding model reads, as codes (`en,zh`) or `*`; "
                    "empty: told by its name (multilingual models read all, others English). "
                    "A course in another language is searched by its words alone.",
    )
    index_dir: Path | None = Field(
        default=None, description="Where the search index lives; empty: DATA_DIR/index.")
    search_index: Literal["auto", "flat", "hnsw"] = "auto"
    llm_model: str | None = Field(default=None,
                                  description="Chat model name; empty: offline answers only.")
    llm_provider: str = "openai"
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout: float = Field(default=20.0, gt=0, le=300)
    llm_stream: bool = True
    llm_daily_quota: int = Field(default=50, ge=0)
    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API server; a self-hosted one is e.g. http://127.0.0.1:8081/bot.")
    telegram_webhook_url: str | None = Field(
        default=None, description="Public HTTPS URL for webhook mode; empty: long polling.")
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)
    telegram_webhook_secret: SecretStr | None = None
    telegram_rate_limits: bool = True
    redis_url: str | None = Field(
        default=None, description="Redis that every process of one bot counts its messages "
                                  "in (one 30-a-second budget); empty: each process paces "
                                  "itself, right for one process.")
    group_quiz_seconds: int = Field(default=30, ge=5, le=600)
    discord_bot_token: SecretStr | None = None
    discord_test_guild: int | None = Field(
        default=None, description="Sync slash commands to this server only (instant); "
                                  "empty: globally.")
    discord_teacher_role: str = "Teacher"
    # Empty: one gateway connection. "auto": as many shards as Discord recommends (needed
    # from 2,500 servers on); a number: that many shards, in this process.
    discord_shards: str = ""
    nudges: bool = Field(default=True, description="Plan and send nudges with `tutorbot run`.")
    nudge_daily_cap: int = Field(default=1, ge=1, le=20)
    nudge_rate: float | None = Field(
        default=None, gt=0, le=10_000,
        description="Nudges a second per platform; empty: the platform's limit.")
    teachers: list[str] = Field(
        default_factory=list,
        description="Who may run campaigns from the bots, as platform:user_id.")
    risk_alert_at: float = Field(
        default=0.8, gt=0, lt=1,
        description="Teachers are alerted when a learner's risk of dropping out crosses this.")
    risk_alerts_per_day: int = Field(
        default=5, ge=1, le=100,
        description="Alerts a teacher gets one by one each day; the rest come in a digest.")
    web_port: int | None = Field(
        default=None, ge=1, le=65535,
        description="Serve the teachers' dashboard on this port with `tutorbot run`; "
                    "`tutorbot web` serves it on 8080 when empty.")
    web_host: str = Field(default="127.0.0.1",
                          description="Address the dashboard listens on (behind a proxy: "
                                      "keep 127.0.0.1).")
    web_base_url: str | None = Field(
        default=None, description="The dashboard's public address, as teachers open it "
                                  "(https://... behind a reverse proxy); sign-in links start "
                                  "with it. Empty: http://WEB_HOST:WEB_PORT.")
    web_secret: SecretStr | None = Field(
        default=None, description="Signs the dashboard's session cookies; empty: a random "
                                  "one kept in DATA_DIR/web-secret.")
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = Field(
        default="text", description="json: one JSON object a line, for a log collector.")
    max_message_chars: int = Field(default=4000, ge=100, le=100_000)
    # Largest document a teacher may send with /adddoc (Telegram lets bots fetch 20 MB).
    document_max_mb: int = Field(default=20, ge=1, le=2000)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError(
                f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR (got {value!r})")
        return level

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if not value:
            return None
        scheme, separator, rest = value.partition("://")
        if not separator or not scheme.startswith(("sqlite", "postgres")):
            raise ValueError("DATABASE_URL must start with sqlite://, postgresql:// or "
                             f"postgres:// (got {value.split(':', 1)[0]!r})")
        if scheme in ("postgres", "postgresql"):  # the forms hosting providers hand out
            return f"postgresql+psycopg://{rest}"
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _telegram_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # BotFather's tokens are `<bot id>:<35 characters>`; checked before any connection.
        return _token(value, r"\d{3,20}:[A-Za-z0-9_-]{30,100}",
                      "TELEGRAM_BOT_TOKEN does not look like a bot token from @BotFather "
                      "(digits, a colon, then about 35 letters and digits)")

    @field_validator("discord_bot_token")
    @classmethod
    def _discord_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # The Developer Portal's bot tokens are three dot-separated base64url parts.
        return _token(value, r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}",
                      "DISCORD_BOT_TOKEN does not look like a bot token (three parts "
                      "separated by dots: copy it from the Developer Portal, Bot, Reset Token)")

    @field_validator("discord_shards")
    @classmethod
    def _shards(cls, value: str) -> str:
        value = value.strip().lower()
        if value in ("", "auto") or (value.isdigit() and 1 <= int(value) <= 1000):
            return value
        raise ValueError("DISCORD_SHARDS is empty (one connection), auto (Discord's "
                         "recommendation) or a number of shards from 1 to 1000")

    @field_validator("embedding_languages")
    @classmethod
    def _languages(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            try:
                parse_languages(value)
            except ValueError as exc:
                raise ValueError(f"EMBEDDING_LANGUAGES: {exc}") from None
        return value.strip() if value else None

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _valid_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's own rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}",
                                                  value.get_secret_value()):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET may hold 1-256 characters: letters, "
                             "digits, _ and -")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_address(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"(rediss?|unix)://\S+", value.strip()):
            raise ValueError("REDIS_URL must be a redis://, rediss:// or unix:// address, e.g. "
                             "redis://127.0.0.1:6379/0")
        return value.strip() if value else None

    @field_validator("web_base_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value.strip()):
            raise ValueError("WEB_BASE_URL must be an http:// or https:// address, e.g. "
                             f"https://tutor.example.org (got {value[:60]!r})")
        return value.strip().rstrip("/") if value else None

    @property
    def resolved_web_base_url(self) -> str:
        return self.web_base_url or f"http://{self.web_host}:{self.web_port or 8080}"

    @property
    def dense_languages(self) -> Languages:
        """The languages searched by meaning as well as by words (None: every language)."""
        if self.embedding_languages:
            return parse_languages(self.embedding_languages)
        return model_languages(self.embedding_model or DEFAULT_MODEL)

    @property
    def resolved_index_dir(self) -> Path:
        return self.index_dir or self.data_dir / "index"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'tutorbot.db'}"


def _token(value: SecretStr | None, shape: str, problem: str) -> SecretStr | None:
    """A token stripped of stray spaces, refused when it does not have its platform's shape."""
    if value is None:
        return None
    token = value.get_secret_value().strip()
    if not re.fullmatch(shape, token):
        raise ValueError(problem)
    return SecretStr(token)

"""The one settings object, read from the environment and `.env` (see `.env.example`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    log_level: str = "INFO"
    max_message_chars: int = Field(default=4000, ge=100, le=100_000)

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
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("DATABASE_URL must start with sqlite:// or postgresql:// "
                             f"(got {value.split(':', 1)[0]!r})")
        return value

    @property
    def resolved_index_dir(self) -> Path:
        return self.index_dir or self.data_dir / "index"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'tutorbot.db'}"

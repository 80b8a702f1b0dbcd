"""The platform-agnostic tutor core: storage, lessons, quizzes, `Tutor.handle`."""

from __future__ import annotations

from tutor.core import Tutor
from tutor.messages import Button, Identity, Image, Inbound, QuestionReply, Reply, Text
from tutor.settings import Settings
from tutor.storage.database import Database, StorageError

__all__ = ["Button", "Database", "Identity", "Image", "Inbound", "QuestionReply", "Reply",
           "Settings", "StorageError", "Text", "Tutor"]

"""The one exception a session file's problems are reported as."""

from __future__ import annotations


class SessionError(ValueError):
    """A session that cannot be used; `str()` is one line: ``field: what is wrong``."""

    def __init__(self, field: str, message: str) -> None:
        self.field = " ".join(field.splitlines())
        self.message = " ".join(message.splitlines())
        super().__init__(f"{self.field}: {self.message}")

    def __reduce__(self) -> tuple[type[SessionError], tuple[str, str]]:
        return SessionError, (self.field, self.message)

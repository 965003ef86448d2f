"""Errors that reach users: one clear German sentence plus what to do about it."""

from __future__ import annotations


class XRegionError(Exception):
    """An expected failure with a German message for the user and a hint what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class ConfigError(XRegionError):
    """The configuration file or an environment override is invalid."""


class SourceError(XRegionError):
    """A source could not be fetched or its answer could not be understood."""


class HostUnreachable(SourceError):
    """The service's host cannot be reached at all in this run (no name, refused, no route, proxy
    refused): every further request to it would fail the same way."""


class PartialSourceError(SourceError):
    """Some items of a source (tables) were fetched, others failed and keep their last data."""


class ParseError(SourceError):
    """A file does not have the expected layout; the message names file and line."""


class BuildError(XRegionError):
    """The warehouse could not be built or failed its checks; the old one stays in place."""


class RefreshBusyError(XRegionError):
    """Another refresh holds the lock."""


def exception_chain(exc: BaseException):
    """`exc` and everything that caused it, each once. Library errors hide the real cause a few
    levels down (requests' ConnectionError → MaxRetryError → NewConnectionError → OSError) in
    `reason`, `__cause__`, `__context__` or the arguments; `reason` of an ssl.SSLError is text."""
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack += [getattr(current, "reason", None), current.__cause__, current.__context__, *current.args]

"""The error a request handler raises to answer with a GitHub-shaped error body."""

from __future__ import annotations

from typing import Any

DOCS_URL = "https://docs.github.com/rest"


class ApiError(Exception):
    """An HTTP error answer: status, GitHub's ``message``, and optional ``errors`` details.

    Raised by the world and the handlers; the gate turns it into a JSON response shaped like
    GitHub's ``basic-error`` / ``validation-error`` schemas.
    """

    def __init__(
        self,
        status: int,
        message: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}
        super().__init__(f"{status} {message}")

    def body(self) -> dict[str, Any]:
        """The JSON body GitHub sends for this error."""
        out: dict[str, Any] = {
            "message": self.message,
            "documentation_url": DOCS_URL,
            "status": str(self.status),
        }
        if self.errors is not None:
            out["errors"] = self.errors
        return out


def not_found() -> ApiError:
    """GitHub's plain 404, used for anything missing or hidden from the caller."""
    return ApiError(404, "Not Found")


def validation_failed(*errors: dict[str, Any]) -> ApiError:
    """GitHub's 422 with its ``errors`` list."""
    return ApiError(422, "Validation Failed", errors=list(errors))

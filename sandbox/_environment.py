"""The explicit, minimal environment every sandboxed command gets.

Nothing is inherited from the host: the base below is written out, and callers add to it
explicitly. Names that look like secrets (containing TOKEN, KEY, SECRET, PASSWORD, ...) are
dropped even when a caller passes them on purpose, so a credential cannot reach untrusted code
through a plan, a task or a config file.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from sandbox.errors import SandboxConfigError

_log = logging.getLogger(__name__)

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
"""PATH inside the sandbox (the Debian default)."""

_SECRET_NAME = re.compile(r"TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
_VALID_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def is_secret_name(name: str) -> bool:
    """Whether an environment variable name looks like it holds a secret.

    Deliberately broad (``KEYBOARD_LAYOUT`` is dropped too): a false positive costs a variable,
    a false negative leaks a credential.
    """
    return _SECRET_NAME.search(name) is not None


def minimal_env(
    extra: Mapping[str, str] | None = None,
    *,
    home: str = "/tmp",
    path: str = DEFAULT_PATH,
) -> dict[str, str]:
    """Build a command's environment: a fixed base plus ``extra``, secrets removed.

    Args:
        extra: variables the plan or caller asks for; they override the base, except that
            secret-looking names are dropped (and logged by name, never by value).
        home: value of HOME.
        path: value of PATH.

    Returns:
        A new dict; the host's ``os.environ`` is never read.

    Raises:
        SandboxConfigError: a name is not a valid variable name or a value holds a NUL byte.
    """
    env = {
        "PATH": path,
        "HOME": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTHONHASHSEED": "0",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
    }
    for name, value in (extra or {}).items():
        if not _VALID_NAME.fullmatch(name):
            raise SandboxConfigError(f"invalid environment variable name: {name!r}")
        if "\x00" in value:
            raise SandboxConfigError(f"environment variable {name} holds a NUL byte")
        if is_secret_name(name):
            _log.warning("dropping secret-looking environment variable %s from the sandbox", name)
            continue
        env[name] = value
    return env

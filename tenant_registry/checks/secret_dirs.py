"""System checks on SECRET_DIRS. Ids are documented in the README under "System checks"."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.checks import CheckMessage, Error, Warning

from .. import conf
from ..documents.secret_files import usable
from .guards import after_e001


@after_e001
def check_secret_dirs(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return secret_dirs_messages(conf.get_settings().SECRET_DIRS)


def secret_dirs_messages(dirs: object) -> list[CheckMessage]:
    """E012: SECRET_DIRS is not a list of absolute directory paths (``/`` excluded); W017: one of them
    is not a readable directory now."""
    if not isinstance(dirs, list | tuple) or len(usable(dirs)) != len(dirs):
        return [
            Error(
                f"TENANT_REGISTRY['SECRET_DIRS'] must be a list of absolute directory paths other than '/'; "
                f"got {dirs!r}.",
                id="tenant_registry.E012",
            )
        ]
    missing = [str(d) for d in dirs if not (Path(d).is_dir() and os.access(d, os.R_OK | os.X_OK))]
    if not missing:
        return []
    return [
        Warning(
            f"SECRET_DIRS entries that are not readable directories: {', '.join(missing)}.",
            hint="Mount them before the app starts, or remove them: variables are not found in them.",
            id="tenant_registry.W017",
        )
    ]

"""What this worker heard: each change with the wall-clock time its receiver ran, on which thread."""

from __future__ import annotations

import threading
import time
from typing import Any

HEARD: list[dict[str, Any]] = []
SLEEPING = threading.Event()
SLOW_SECONDS = 5.0


def changed(sender: object, tenant_id: str | None, version: int | None, sections: Any, **kwargs: Any) -> None:
    HEARD.append(
        {
            "tenant_id": tenant_id,
            "version": version,
            "sections": None if sections is None else sorted(sections),
            "at": time.time(),
            "thread": threading.current_thread().name,
        }
    )
    if tenant_id is not None and tenant_id.startswith("slow"):
        SLEEPING.set()
        try:
            time.sleep(SLOW_SECONDS)
        finally:
            SLEEPING.clear()


def resynced(sender: object, **kwargs: Any) -> None:
    HEARD.append({"resync": True, "at": time.time()})

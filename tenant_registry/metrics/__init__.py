"""Metrics and traces, optional: ``TENANT_REGISTRY["METRICS"]`` names the backends (docs/observability.md).

- :mod:`.select` chooses the observer on each settings change, :mod:`.observed` the read path it times,
  :mod:`.tally` counts lookups per thread; the backends are :mod:`.prometheus` and :mod:`.otel`.
- :mod:`.views` serves the prometheus text format; :mod:`.summary` gives the admin the same numbers;
  ``checks/metrics.py`` validates the setting.
"""

from __future__ import annotations

import os

_installed = False


def install() -> None:
    """From ``AppConfig.ready()``: the observer of the settings, and a forked child's fresh tallies."""
    global _installed
    from . import select, tally

    select.install_or_off()
    if not _installed:
        _installed = True
        os.register_at_fork(after_in_child=tally.after_fork)


def settings_changed() -> None:
    """``TENANT_REGISTRY`` changed (signals.settings_changed, after the settings were forgotten)."""
    from . import select

    select.install_or_off()

"""Metrics and traces, optional: ``TENANT_REGISTRY["METRICS"]`` names the backends (docs/observability.md).

- :mod:`.select` chooses the observer on each settings change, :mod:`.observed` the read path it times,
  :mod:`.tally` counts lookups per thread; the backends are :mod:`.prometheus` and :mod:`.otel`.
- :mod:`.views` serves the prometheus text format; :mod:`.summary` gives the admin the same numbers;
  :mod:`.checks` validates the setting.
"""

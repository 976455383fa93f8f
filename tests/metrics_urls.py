"""The demo's URLs plus the registry's metrics view, for tests/test_metrics.py."""

from django.urls import path

from project.urls import urlpatterns as demo
from tenant_registry.metrics.views import metrics

urlpatterns = [path("metrics/", metrics), *demo]

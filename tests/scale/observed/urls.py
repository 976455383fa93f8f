from django.urls import path

from project import views as demo
from tenant_registry.metrics.views import metrics

from . import views

urlpatterns = [
    path("tenant-config/<str:tenant_id>/", demo.tenant_config),
    path("save/<str:tenant_id>/<int:value>/", views.save),
    path("read/<str:tenant_id>/", views.read),
    path("heard/", views.heard),
    path("metrics/", metrics),
]

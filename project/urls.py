from django.contrib import admin
from django.urls import path

from project import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("tenant-config/<str:tenant_id>/", views.tenant_config, name="tenant-config"),
    path("async/tenant-config/<str:tenant_id>/", views.atenant_config, name="atenant-config"),
    path("request-config/", views.request_config, name="request-config"),
    path("async/request-config/", views.arequest_config, name="arequest-config"),
    path("request-tenant/", views.request_tenant, name="request-tenant"),
    path("", views.home, name="home"),
]

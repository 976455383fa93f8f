from django.contrib import admin
from django.urls import path
from project import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("tenant-config/<str:tenant_id>/", views.tenant_config, name="tenant-config"),
    path("async/tenant-config/<str:tenant_id>/", views.atenant_config, name="atenant-config"),
    path("", views.home, name="home"),
]

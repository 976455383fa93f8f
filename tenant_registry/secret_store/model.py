"""The StoredSecret model: a tenant's secret at one path, as a Fernet token only."""

from __future__ import annotations

from django.db import models


class StoredSecret(models.Model):
    tenant = models.ForeignKey("tenant_registry.Tenant", on_delete=models.CASCADE, related_name="stored_secrets")
    path = models.CharField(max_length=255, help_text="The dotted key path the secret fills on read.")
    token = models.TextField(help_text="The value sealed with its tenant and path (Fernet); never the value.")
    key_id = models.CharField(max_length=16, db_index=True, help_text="The id of the key that encrypted it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "tenant_registry"
        ordering = ("tenant", "path")
        constraints = (models.UniqueConstraint(fields=("tenant", "path"), name="stored_secret_one_per_path"),)

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.path}"

    def __repr__(self) -> str:  # never the token, so that no log or traceback carries it
        return f"<StoredSecret {self.tenant_id} {self.path}>"

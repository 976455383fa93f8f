"""The Tenant model: one JSON config document per tenant."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.validators import RegexValidator
from django.db import models

from . import kinds
from .documents.env_access import PrefixOwners, check_expressions
from .documents.secret_values import dotted
from .documents.write_rules import Checked, Seal, check, reopen, seal
from .exceptions import InvalidConfig
from .fields import OrderedJSONField
from .ids import ID_HELP, ID_RE, env_prefix_sql
from .managers import TenantManager
from .revisions import TenantHistory
from .secret_store.model import StoredSecret

__all__ = ["StoredSecret", "Tenant"]


class Tenant(models.Model):
    Status = kinds.Status
    Source = kinds.Source

    id = models.CharField(
        primary_key=True,
        max_length=64,
        validators=[RegexValidator(f"^{ID_RE.pattern}\\Z", ID_HELP)],
        help_text=ID_HELP,
    )
    name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=kinds.STATUS_CHOICES, default=kinds.Status.ACTIVE, db_index=True)
    config_source = models.CharField(max_length=16, choices=kinds.SOURCE_CHOICES, default=kinds.Source.DATABASE)
    config = OrderedJSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[TenantManager] = TenantManager()
    history = TenantHistory()
    _sealed: Seal | None = None  # what check_config() last found, with what it was found in

    class Meta:
        ordering = ("id",)
        constraints = (
            models.UniqueConstraint(
                env_prefix_sql(),
                name="tenant_env_prefix_unique",
                violation_error_message="Another tenant maps to the same environment-variable prefix.",
            ),
        )

    def __str__(self) -> str:
        return f"{self.name} ({self.id})" if self.name else self.id

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.strip_secrets()
        if self._state.adding:
            Tenant.objects.check_new_prefixes(
                {self.pk: self.config if self.config_source == self.Source.DATABASE else None}
            )
        else:
            self.version += 1
        super().save(*args, **kwargs)

    def strip_secrets(self, owners: PrefixOwners | None = None) -> list[str]:
        """Refuse references to variables this tenant may not read; drop literal secrets (returned)."""
        checked = self.check_config(owners)
        self.config = checked.stripped
        return [dotted(path) for path in checked.removed]

    def check_config(self, owners: PrefixOwners | None = None) -> Checked:
        """The write rules on the config, in one walk that refuses a document too deep before it goes
        past the cap: its literal secrets, and (for a database config) the references it may not make,
        which raise InvalidConfig. A config left as the last call stripped it, under the same rules, is
        not walked again; its references are checked again (the tenants owning prefixes may change)."""
        if not isinstance(self.config, dict):
            raise InvalidConfig(f"tenant {self.id}: config must be a JSON object, got {type(self.config).__name__}")
        reopened = reopen(self._sealed, self.config)
        checked = reopened or check(self.id, self.config)
        if self.config_source == self.Source.DATABASE:
            check_expressions(self.id, checked.expressions, owners or Tenant.objects.prefix_owners)
        if reopened is None:
            self._sealed = seal(checked)
        return checked

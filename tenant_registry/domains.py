"""The Domain model: the hosts a tenant is served on, exact or wildcard (``*.example.com``)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, router, transaction

from .hosts.names import DOMAIN_HELP, MAX_LENGTH, normalize, validate_domain


class DomainTaken(IntegrityError):
    """A domain that already belongs to a tenant; the message names it and its owner."""


class Domain(models.Model):
    domain = models.CharField(
        max_length=MAX_LENGTH,
        unique=True,
        validators=[validate_domain],
        help_text=DOMAIN_HELP,
        error_messages={"unique": "This domain already belongs to a tenant."},
    )
    tenant = models.ForeignKey("tenant_registry.Tenant", on_delete=models.CASCADE, related_name="domains")

    _loaded_domain: str | None = None  # the name as read from the database: a rename invalidates both

    class Meta:
        ordering = ("domain",)

    def __str__(self) -> str:
        return self.domain

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.domain = normalize(self.domain)
        validate_domain(self.domain)
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        try:
            with transaction.atomic(using=using):  # a savepoint: the owner can still be read after a refusal
                super().save(*args, **kwargs)
        except IntegrityError as exc:
            owner = Domain.objects.using(using).filter(domain=self.domain).exclude(pk=self.pk)
            found = owner.values_list("tenant_id", flat=True).first()
            if found is None:
                raise
            raise DomainTaken(f"domain {self.domain} already belongs to tenant {found}") from exc
        self._loaded_domain = self.domain

    def clean_fields(self, exclude: Any = None) -> None:
        if isinstance(self.domain, str):
            self.domain = normalize(self.domain)
        super().clean_fields(exclude)

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> Domain:
        instance = super().from_db(*args, **kwargs)
        instance._loaded_domain = instance.__dict__.get("domain")
        return instance

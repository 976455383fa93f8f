"""Create the demo's ``admin`` superuser: DJANGO_SUPERUSER_PASSWORD, else a printed random password."""

from __future__ import annotations

import os
import secrets
import sys

import django


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    django.setup()
    from django.contrib.auth import get_user_model

    users = get_user_model()
    given = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
    user = users.objects.filter(username="admin").first()
    if user is not None and not given:
        sys.stdout.write("User 'admin' exists; password unchanged (set DJANGO_SUPERUSER_PASSWORD to reset it).\n")
        return 0
    password = given or secrets.token_urlsafe(12)
    if user is None:
        users.objects.create_superuser("admin", "admin@example.com", password)
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    shown = "(from DJANGO_SUPERUSER_PASSWORD)" if given else password
    sys.stdout.write(f"Admin user: admin  password: {shown}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

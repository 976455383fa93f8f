"""project.deploy_settings with the observed app and its URLs."""

from __future__ import annotations

from project.deploy_settings import *  # noqa: F403
from project.deploy_settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.scale.observed.apps.ObservedConfig"]
ROOT_URLCONF = "tests.scale.observed.urls"

"""Secret volumes as Docker and Kubernetes mount them, for the secret-file tests."""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path


class KubeMount:
    """A directory written the way the kubelet's atomic writer writes a secret volume: the files in a
    timestamped directory, ``..data`` a symlink to it, and each key a symlink ``KEY -> ..data/KEY``.
    :meth:`swap` publishes a new version as the kubelet does: new directory, ``..data_tmp`` renamed
    over ``..data``, then the old directory removed."""

    def __init__(self, root: Path, values: dict[str, str]) -> None:
        self.root = root
        self._versions = itertools.count()
        root.mkdir()
        self._current = self._write(values)
        (root / "..data").symlink_to(self._current.name)
        for key in values:
            (root / key).symlink_to(f"..data/{key}")

    def _write(self, values: dict[str, str]) -> Path:
        version = self.root / f"..2026_12_07_21_00_{next(self._versions):02d}.000000001"
        version.mkdir()
        for key, value in values.items():
            (version / key).write_text(value)
        return version

    def swap(self, values: dict[str, str]) -> None:
        new = self._write(values)
        os.symlink(new.name, self.root / "..data_tmp")
        os.rename(self.root / "..data_tmp", self.root / "..data")
        for key in values:
            if not (self.root / key).is_symlink():
                (self.root / key).symlink_to(f"..data/{key}")
        shutil.rmtree(self._current)
        self._current = new

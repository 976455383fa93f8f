"""Variables read from files: ``<VAR>_FILE`` and the directories of SECRET_DIRS (Docker, Kubernetes).

When SECRET_DIRS is set, a variable that is not in the environment is read from the file its
``<VAR>_FILE`` variable names, else from ``<dir>/<VAR>`` in the first directory that has such an
entry. Only a regular file whose real path (every symlink resolved) lies inside one of the directories
is read; anything else, and a file that cannot be read, is a :class:`SecretFileError` naming the
variable and the file, never a word of its content. The text is UTF-8, trailing line breaks removed
(as ``$(< file)`` does).

Each lookup records what its answer depends on: the file's identity (inode, device, size, mtime,
ctime), or the directory's when no entry was there. One ``stat`` per record tells whether an answer
still holds (:func:`still`): a Kubernetes ``..data`` swap gives the path a new inode, and adding or
removing an entry changes the directory's.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable

from .. import conf
from ..exceptions import SecretFileError

Signature = tuple[int, int, int, int, int] | None  # None: no such file
Files = dict[str, object]  # path -> its signature when the answer was made
MAX_BYTES = 1_048_576
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_contents: dict[str, tuple[Signature, str, str]] = {}  # path -> (signature, real path, text)
CONTENTS = 4096  # files whose text is kept while their signature is unchanged
_roots: tuple[object, tuple[tuple[str, str], ...]] = (None, ())


def roots() -> tuple[tuple[str, str], ...]:
    """SECRET_DIRS as (the path given, its real path), kept while the settings object is."""
    global _roots
    settings = conf.get_settings()
    if _roots[0] is not settings:
        _roots = (settings, tuple((str(d), os.path.realpath(d)) for d in usable(settings.SECRET_DIRS)))
    return _roots[1]


def usable(dirs: object) -> list[str | os.PathLike[str]]:
    """The entries of SECRET_DIRS that may be read: absolute paths other than ``/`` (E012 names the rest)."""
    if not isinstance(dirs, list | tuple):
        return []
    return [d for d in dirs if isinstance(d, str | os.PathLike) and os.path.isabs(d) and os.path.realpath(d) != "/"]


def signature(path: str) -> object:
    """The identity of what ``path`` leads to now: None when nothing is there, a fresh object (equal
    to no record) when it cannot be asked."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:
        return object()
    return (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def still(files: Files) -> bool:
    """Whether every recorded path leads to what it led to."""
    stat_of = os.stat  # inlined signature(): this runs on every in-process hit
    for path, recorded in files.items():
        try:
            st = stat_of(path)
        except (FileNotFoundError, NotADirectoryError):
            if recorded is not None:
                return False
            continue
        except OSError:
            return False
        if recorded != (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns):
            return False
    return True


def lookup(name: str, env: Callable[[str], str | None], files: Files | None) -> str | None:
    """The value of ``name`` from a file, or None when no file holds it. ``env`` asks (and records)
    the environment; ``files`` gets what the answer depends on."""
    found = roots()
    if not found or _NAME.fullmatch(name) is None:
        return None
    named = env(name + "_FILE")
    if named:
        return read(name, named, found, files, via=f"{name}_FILE")
    for given, _ in found:
        directory = signature(given)  # before the entry: one added after this changes it
        path = os.path.join(given, name)
        if os.path.lexists(path):
            return read(name, path, found, files)
        if files is not None:
            files.setdefault(given, directory)
    return None


def read(
    name: str, path: str, found: tuple[tuple[str, str], ...], files: Files | None, via: str = "SECRET_DIRS"
) -> str:
    """The text of the file at ``path`` for variable ``name``, checked to lie inside SECRET_DIRS."""
    kept = _contents.get(path)
    if kept is not None and _inside(kept[1], found) and signature(path) == kept[0]:
        if files is not None:
            files.setdefault(path, kept[0])
        return kept[2]
    real, identity, text = _resolve_and_read(f"variable {name}: file {path} ({via})", path, found)
    if len(_contents) >= CONTENTS:
        _contents.clear()
    _contents[path] = (identity, real, text)
    if files is not None:
        files.setdefault(path, identity)
    return text


def _resolve_and_read(where: str, path: str, found: tuple[tuple[str, str], ...]) -> tuple[str, Signature, str]:
    """The real path, signature and text; a file that vanishes between resolving and opening it (an
    old Kubernetes version removed after the swap) is resolved again."""
    for attempt in range(ATTEMPTS):
        try:
            real = os.path.realpath(path, strict=True)
        except FileNotFoundError as exc:
            if attempt + 1 < ATTEMPTS and os.path.lexists(path):
                continue
            raise SecretFileError(f"{where} cannot be read: {_reason(exc)}") from None
        except OSError as exc:
            raise SecretFileError(f"{where} cannot be read: {_reason(exc)}") from None
        if not _inside(real, found):
            leads = "" if real == path else f" (it leads to {real})"
            raise SecretFileError(f"{where} is outside SECRET_DIRS{leads}; it is never read")
        try:
            return (real, *_read_file(where, real))
        except FileNotFoundError:
            continue
    raise SecretFileError(f"{where} cannot be read: it changed {ATTEMPTS} times while being read")


ATTEMPTS = 3


def _inside(real: str, found: tuple[tuple[str, str], ...]) -> bool:
    return any(real.startswith(root + os.sep) for _, root in found)


def _read_file(where: str, real: str) -> tuple[Signature, str]:
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except FileNotFoundError:
        raise  # resolved again by the caller
    except OSError as exc:
        raise SecretFileError(f"{where} cannot be read: {_reason(exc)}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SecretFileError(f"{where} is not a regular file")
        data = b""
        while chunk := os.read(fd, st.st_size + 1):
            data += chunk
            if len(data) > MAX_BYTES:
                raise SecretFileError(f"{where} is larger than {MAX_BYTES} bytes")
    except OSError as exc:
        raise SecretFileError(f"{where} cannot be read: {_reason(exc)}") from None
    finally:
        os.close(fd)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretFileError(f"{where} is not UTF-8 text") from None
    return (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns), text.rstrip("\r\n")


def origin(name: str, env: Callable[[str], str | None]) -> str | None:
    """The file ``name`` would be read from (its ``_FILE`` variable's, else the first SECRET_DIRS
    entry), or None; nothing is read."""
    found = roots()
    if not found or _NAME.fullmatch(name) is None:
        return None
    named = env(name + "_FILE")
    if named:
        return named
    return next((p for given, _ in found if os.path.lexists(p := os.path.join(given, name))), None)


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()

"""Paths and settings.

Precedence, highest first: command-line flag > environment > user config file >
site config file > default. Config files are TOML:

    vault = "/srv/uwu/vault.db"
    idle_lock_minutes = 5

The user file is ``platformdirs.user_config_dir("uwu-tui")/config.toml`` (override with
``UWU_CONFIG``); the site file is ``/etc/uwu-tui/config.toml`` (override with
``UWU_SITE_CONFIG``), which is how a shared server names its vault for everybody.
Tests point both overrides at their own temporary folder so that they never read the
real home directory.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from uwu_tui.errors import UsageError

APP_NAME = "uwu-tui"
SITE_CONFIG_DEFAULT = Path("/etc/uwu-tui/config.toml")


def default_vault_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME)) / "vault.db"


def user_config_path(environ: Mapping[str, str] = os.environ) -> Path:
    if environ.get("UWU_CONFIG"):
        return Path(environ["UWU_CONFIG"])
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def site_config_path(environ: Mapping[str, str] = os.environ) -> Path:
    if environ.get("UWU_SITE_CONFIG"):
        return Path(environ["UWU_SITE_CONFIG"])
    return SITE_CONFIG_DEFAULT


@dataclass(frozen=True)
class Settings:
    vault: Path = field(default_factory=default_vault_path)
    idle_lock_minutes: float = 5.0
    retention_years: int = 6
    stale_case_days: int = 28
    verify_months: int = 12
    privacy_mode: bool = False
    hide_locks: bool = False
    #: Where each value came from, for `uwu` diagnostics: name -> "flag" | "env" | path.
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)


_ENV = {"vault": "UWU_VAULT", "idle_lock_minutes": "UWU_IDLE_LOCK_MINUTES"}
_TYPES: dict[str, type] = {
    "vault": Path,
    "idle_lock_minutes": float,
    "retention_years": int,
    "stale_case_days": int,
    "verify_months": int,
    "privacy_mode": bool,
    "hide_locks": bool,
}


def _coerce(name: str, value: Any, source: str) -> Any:
    kind = _TYPES[name]
    try:
        if kind is Path:
            if not isinstance(value, (str, os.PathLike)) or not str(value):
                raise TypeError
            return Path(os.path.expanduser(str(value)))
        if kind is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in {"1", "true", "yes", "on"}:
                return True
            if isinstance(value, str) and value.lower() in {"0", "false", "no", "off"}:
                return False
            raise TypeError
        if isinstance(value, bool):
            raise TypeError
        number = kind(value)
        if number < 0:
            raise ValueError
        return number
    except (TypeError, ValueError):
        raise UsageError(f"Setting '{name}' in {source} is not a valid {kind.__name__}.") from None


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except PermissionError:
        raise UsageError(f"Cannot read the config file {path}: permission denied.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UsageError(f"The config file {path} is not valid TOML ({error}).") from None
    except OSError as error:  # a folder at that path, an I/O error…
        reason = error.strerror or "I/O error"
        raise UsageError(f"Cannot read the config file {path}: {reason}.") from None
    return {key: value for key, value in data.items() if key in _TYPES}


def load_settings(
    flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] = os.environ
) -> Settings:
    """Settings with the documented precedence applied."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    layers: list[tuple[str, Mapping[str, Any]]] = [
        (str(site_config_path(environ)), _read_file(site_config_path(environ))),
        (str(user_config_path(environ)), _read_file(user_config_path(environ))),
        ("environment", {n: environ[e] for n, e in _ENV.items() if environ.get(e)}),
        ("command line", {k: v for k, v in (flags or {}).items() if v is not None}),
    ]
    for source, layer in layers:
        for name, value in layer.items():
            values[name] = _coerce(name, value, source)
            sources[name] = source
    known = {f.name for f in fields(Settings)}
    return replace(Settings(), **{k: v for k, v in values.items() if k in known}, sources=sources)

"""Settings precedence: flag > environment (UWU_VAULT) > user file (UWU_CONFIG) > site file
(UWU_SITE_CONFIG) > default; bad files and values are usage errors naming their source."""

from __future__ import annotations

import io
import shutil
import os
from pathlib import Path

import pytest

from uwu_tui import cli
from uwu_tui.config import Settings, default_vault_path, load_settings, site_config_path, user_config_path
from uwu_tui.errors import UsageError
from uwu_tui.session import Session

OFFICER, OFFICER_PASS = "alice", "correct violet tractor lamp"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An environment naming config files in tmp_path (not yet written)."""
    return {"UWU_CONFIG": str(tmp_path / "user.toml"), "UWU_SITE_CONFIG": str(tmp_path / "site.toml")}


def write(path: str | Path, text: str) -> Path:
    path = Path(path)
    path.write_text(text, encoding="utf-8")
    return path


# ---- precedence ----------------------------------------------------------------------------------


def test_default_when_nothing_is_set(env, isolated_home: Path) -> None:
    settings = load_settings({}, env)
    assert settings.vault == default_vault_path()
    assert settings.vault.name == "vault.db" and settings.vault.parent.name == "uwu-tui"
    # The autouse fixture points XDG_DATA_HOME into a private folder: never the real home.
    assert isolated_home in settings.vault.parents
    assert settings == Settings()
    assert settings.idle_lock_minutes == 5.0 and settings.retention_years == 6
    assert dict(settings.sources) == {}


def test_each_layer_overrides_the_one_below(env, tmp_path: Path) -> None:
    write(env["UWU_SITE_CONFIG"], 'vault = "/srv/site/vault.db"\nidle_lock_minutes = 10\nretention_years = 7\n')
    s = load_settings({}, env)
    assert s.vault == Path("/srv/site/vault.db")
    assert (s.idle_lock_minutes, s.retention_years) == (10.0, 7)
    assert s.sources["vault"] == env["UWU_SITE_CONFIG"]

    write(env["UWU_CONFIG"], 'vault = "/home/me/user.db"\nidle_lock_minutes = 3\n')
    s = load_settings({}, env)
    assert s.vault == Path("/home/me/user.db")
    assert s.idle_lock_minutes == 3.0
    assert s.retention_years == 7  # not in the user file: the site value stands
    assert s.sources == {"vault": env["UWU_CONFIG"], "idle_lock_minutes": env["UWU_CONFIG"],
                         "retention_years": env["UWU_SITE_CONFIG"]}

    with_env = {**env, "UWU_VAULT": "/env/vault.db", "UWU_IDLE_LOCK_MINUTES": "1.5"}
    s = load_settings({}, with_env)
    assert s.vault == Path("/env/vault.db") and s.idle_lock_minutes == 1.5
    assert s.sources["vault"] == "environment"

    s = load_settings({"vault": "/flag/vault.db"}, with_env)
    assert s.vault == Path("/flag/vault.db")
    assert s.sources["vault"] == "command line"
    assert s.idle_lock_minutes == 1.5

    # An unset flag (None) or an empty variable does not count as a layer.
    s = load_settings({"vault": None}, {**env, "UWU_VAULT": ""})
    assert s.vault == Path("/home/me/user.db")


def test_config_file_locations(env, monkeypatch) -> None:
    assert user_config_path(env) == Path(env["UWU_CONFIG"])
    assert site_config_path(env) == Path(env["UWU_SITE_CONFIG"])
    assert site_config_path({}) == Path("/etc/uwu-tui/config.toml")
    assert user_config_path({}).name == "config.toml"


def test_home_is_expanded_and_unknown_keys_ignored(env, isolated_home: Path) -> None:
    write(env["UWU_CONFIG"], 'vault = "~/casework/vault.db"\ncolour = "pink"\n[section]\nvault = "no"\n')
    s = load_settings({}, env)
    assert s.vault == isolated_home / "casework" / "vault.db"
    assert "colour" not in s.sources


@pytest.mark.parametrize(
    "text, value",
    [("privacy_mode = true", True), ('privacy_mode = "yes"', True), ('privacy_mode = "off"', False),
     ("idle_lock_minutes = 0.5", 0.5), ("stale_case_days = 14", 14)],
)
def test_values_are_coerced(env, text: str, value) -> None:
    write(env["UWU_CONFIG"], text + "\n")
    name = text.split(" = ")[0]
    assert getattr(load_settings({}, env), name) == value


# ---- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["UWU_CONFIG", "UWU_SITE_CONFIG"])
@pytest.mark.parametrize(
    "text", ['vault = "unterminated\n', "this is not toml\n", "vault = 1\nvault = 2\n", "\xff\xfe"],
    ids=["unterminated", "prose", "duplicate-key", "binary"],
)
def test_invalid_toml_is_a_usage_error_naming_the_file(env, which: str, text: str) -> None:
    path = Path(env[which])
    if text == "\xff\xfe":
        path.write_bytes(b"\xff\xfe\x00vault")
    else:
        write(path, text)
    with pytest.raises(UsageError) as caught:
        load_settings({}, env)
    assert str(path) in caught.value.message
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    "text, name",
    [
        ("vault = 5", "vault"),
        ('vault = ""', "vault"),
        ("vault = [1, 2]", "vault"),
        ('idle_lock_minutes = "soon"', "idle_lock_minutes"),
        ("idle_lock_minutes = -1", "idle_lock_minutes"),
        ("idle_lock_minutes = true", "idle_lock_minutes"),
        ("retention_years = false", "retention_years"),
        ('retention_years = "six"', "retention_years"),
        ('privacy_mode = "maybe"', "privacy_mode"),
        ("hide_locks = 2", "hide_locks"),
    ],
)
def test_bad_values_are_usage_errors_naming_setting_and_file(env, text: str, name: str) -> None:
    write(env["UWU_CONFIG"], text + "\n")
    with pytest.raises(UsageError) as caught:
        load_settings({}, env)
    assert f"'{name}'" in caught.value.message
    assert env["UWU_CONFIG"] in caught.value.message


def test_bad_environment_value_names_the_environment(env) -> None:
    with pytest.raises(UsageError, match="idle_lock_minutes.*environment"):
        load_settings({}, {**env, "UWU_IDLE_LOCK_MINUTES": "abc"})


def test_a_folder_where_the_config_file_should_be(env) -> None:
    Path(env["UWU_CONFIG"]).mkdir()
    with pytest.raises(UsageError) as caught:
        load_settings({}, env)
    assert env["UWU_CONFIG"] in caught.value.message


# ---- through the command line -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config-template") / "vault" / "vault.db"
    Session.create(path, OFFICER, "Alice Example", OFFICER_PASS).close()
    return path


def uwu_verify(*top: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run([*map(str, top), "--user", OFFICER, "--passphrase-file", "-", "verify"],
                   stdin=io.StringIO(OFFICER_PASS + "\n"), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_the_cli_follows_the_precedence(template: Path, tmp_path: Path, monkeypatch) -> None:
    real = tmp_path / "real"
    shutil.copytree(template.parent, real)
    missing = tmp_path / "elsewhere" / "vault.db"
    site, user = Path(os.environ["UWU_SITE_CONFIG"]), Path(os.environ["UWU_CONFIG"])

    write(site, f'vault = "{real / "vault.db"}"\n')  # the shared server names the vault
    code, out, err = uwu_verify()
    assert code == 0, err

    write(user, f'vault = "{missing}"\n')  # the user's own file wins over the site's
    code, _, err = uwu_verify()
    assert code == 4 and str(missing) in err

    monkeypatch.setenv("UWU_VAULT", str(real / "vault.db"))  # the environment over both files
    code, _, err = uwu_verify()
    assert code == 0, err

    code, _, err = uwu_verify("--vault", missing)  # the flag over everything
    assert code == 4 and str(missing) in err
    assert not missing.parent.exists()


def test_the_cli_reports_a_broken_config_file(tmp_path: Path) -> None:
    write(os.environ["UWU_CONFIG"], "vault = \n")
    code, out, err = uwu_verify("--vault", tmp_path / "v.db")
    assert code == 2
    assert os.environ["UWU_CONFIG"] in err and "not valid TOML" in err
    assert "Traceback" not in err and err.count("\n") == 1

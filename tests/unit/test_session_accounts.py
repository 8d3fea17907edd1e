"""Session: accounts, passphrase changes, lock/unlock and backup (uwu_tui.session).

Passphrases here are chosen to pass the passphrase policy (none contains its username).
"""

from __future__ import annotations

import io
import json
import shutil
import stat
import textwrap
from pathlib import Path

import pytest

from uwu_tui import cli
from uwu_tui.data import db
from uwu_tui.data.keyslots import KeyFile
from uwu_tui.errors import (
    DisabledUser,
    PermissionDenied,
    ValidationError,
    VaultLocked,
    WrongPassphrase,
)
from uwu_tui.session import Session

OFFICER, OFFICER_NAME, OFFICER_PASS = "alice", "Alice Example", "correct violet tractor lamp"
INITIAL = "initial granite window 77"
BOB_PASS = "maple harbour evening tide"
CAROL_PASS = "lantern copper meadow swift"
WRONG = "not the right passphrase at all"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """alice (officer), bob (caseworker, passphrase changed), carol (officer, must change)."""
    path = tmp_path_factory.mktemp("accounts-template") / "vault" / "vault.db"
    admin = Session.create(path, OFFICER, OFFICER_NAME, OFFICER_PASS)
    admin.add_user("bob", "Bob Example", "caseworker", INITIAL)
    admin.add_user("carol", "Carol Example", "officer", INITIAL)
    admin.close()
    bob = Session.open(path, "bob", INITIAL)
    bob.change_passphrase(INITIAL, BOB_PASS)
    bob.close()
    return path


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Path:
    shutil.copytree(template.parent, tmp_path / "vault")
    return tmp_path / "vault" / "vault.db"


@pytest.fixture
def alice(vault: Path):
    session = Session.open(vault, OFFICER, OFFICER_PASS)
    yield session
    session.close()


@pytest.fixture(scope="module")
def shared(template: Path, tmp_path_factory: pytest.TempPathFactory):
    """One officer session on one copy for the many refusal tests (they change nothing,
    and each checks that); saves an Argon2 unlock per case."""
    folder = tmp_path_factory.mktemp("accounts-shared") / "vault"
    shutil.copytree(template.parent, folder)
    session = Session.open(folder / "vault.db", OFFICER, OFFICER_PASS)
    yield folder / "vault.db", session
    session.close()


def keys_json(vault: Path) -> dict:
    return json.loads(vault.with_suffix(".keys").read_bytes())


def slots(vault: Path) -> dict[str, dict]:
    return {slot["username"]: slot for slot in keys_json(vault)["slots"]}


def usernames(session: Session) -> list[str]:
    return [u.username for u in session.list_users()]


# ---- add_user ------------------------------------------------------------------------------------


def test_add_user_makes_an_account_that_must_change_its_passphrase(vault: Path, alice: Session) -> None:
    user = alice.add_user("dave", "  Dave Example ", "supervisor", INITIAL)
    assert (user.username, user.full_name, user.role, user.status) == (
        "dave", "Dave Example", "supervisor", "active"
    )
    assert slots(vault)["dave"]["must_change"] is True
    assert usernames(alice) == ["alice", "bob", "carol", "dave"]
    dave = Session.open(vault, "dave", INITIAL)
    try:
        assert dave.must_change_passphrase
        assert dave.user.role == "supervisor"
    finally:
        dave.close()


@pytest.mark.parametrize("name", ["alice", "bob", "carol"])
def test_add_user_refuses_duplicates(shared, name: str) -> None:
    vault, alice = shared
    before = vault.with_suffix(".keys").read_bytes()
    with pytest.raises(ValidationError, match="already an account") as caught:
        alice.add_user(name, "Someone Else", "caseworker", INITIAL)
    assert caught.value.field == "username"
    assert vault.with_suffix(".keys").read_bytes() == before


def test_add_user_refuses_a_disabled_username(vault: Path, alice: Session) -> None:
    alice.disable_user("bob")
    with pytest.raises(ValidationError, match="already an account"):
        alice.add_user("bob", "Bob Again", "caseworker", INITIAL)
    assert "sealed" not in slots(vault)["bob"]


@pytest.mark.parametrize(
    "username", ["", "Dave", "da", "1dave", "dave smith", "d" * 33, "dave/../x", "dävid", "-dave"]
)
def test_add_user_refuses_bad_usernames(shared, username: str) -> None:
    vault, alice = shared
    before = vault.with_suffix(".keys").read_bytes()
    with pytest.raises(ValidationError) as caught:
        alice.add_user(username, "Dave Example", "caseworker", INITIAL)
    assert caught.value.field == "username"
    assert vault.with_suffix(".keys").read_bytes() == before
    assert usernames(alice) == ["alice", "bob", "carol"]


@pytest.mark.parametrize(
    "passphrase", ["short one", "password1234", "dave-has-a-long-passphrase", "tab\tinside long phrase"],
    ids=["too-short", "common", "contains-username", "control-char"],
)
def test_add_user_refuses_a_weak_initial_passphrase(shared, passphrase: str) -> None:
    vault, alice = shared
    before = vault.with_suffix(".keys").read_bytes()
    with pytest.raises(ValidationError) as caught:
        alice.add_user("dave", "Dave Example", "caseworker", passphrase)
    assert caught.value.field == "passphrase"
    assert passphrase not in caught.value.message
    assert vault.with_suffix(".keys").read_bytes() == before
    assert usernames(alice) == ["alice", "bob", "carol"]


@pytest.mark.parametrize(
    "full_name, role, field",
    [("", "caseworker", "full_name"), ("Dave\x1b[2J", "caseworker", "full_name"),
     ("Dave Example", "admin", "role"), ("x" * 121, "caseworker", "full_name")],
)
def test_add_user_refuses_bad_names_and_roles(shared, full_name, role, field) -> None:
    vault, alice = shared
    with pytest.raises(ValidationError) as caught:
        alice.add_user("dave", full_name, role, INITIAL)
    assert caught.value.field == field


def test_only_officers_manage_accounts(vault: Path) -> None:
    bob = Session.open(vault, "bob", BOB_PASS)
    try:
        for call in (
            lambda: bob.add_user("dave", "Dave Example", "caseworker", INITIAL),
            lambda: bob.list_users(),
            lambda: bob.disable_user("carol"),
            lambda: bob.set_role("bob", "officer"),
        ):
            with pytest.raises(PermissionDenied, match="caseworker"):
                call()
    finally:
        bob.close()
    assert "dave" not in slots(vault)


# ---- disable_user ---------------------------------------------------------------------------------


def test_disable_removes_the_slot_and_the_user_cannot_open(vault: Path, alice: Session) -> None:
    before = slots(vault)
    alice.disable_user("bob")
    after = slots(vault)
    assert set(after["bob"]) == {"slot_id", "username", "created_at", "disabled_at"}
    assert after["alice"] == before["alice"] and after["carol"] == before["carol"]
    assert [u.status for u in alice.list_users() if u.username == "bob"] == ["disabled"]
    with pytest.raises(DisabledUser, match="disabled"):
        Session.open(vault, "bob", BOB_PASS)
    with pytest.raises(ValidationError, match="already disabled"):
        alice.disable_user("bob")
    with pytest.raises(ValidationError, match="no account"):
        alice.disable_user("nobody")
    assert alice.audit_log(action="user disable", limit=5)[0].entity_id == "bob"


def test_disable_own_account_is_refused(vault: Path, alice: Session) -> None:
    before = vault.with_suffix(".keys").read_bytes()
    with pytest.raises(PermissionDenied, match="your own account"):
        alice.disable_user(OFFICER)
    assert vault.with_suffix(".keys").read_bytes() == before


def test_disable_of_the_last_active_officer_is_refused(vault: Path, alice: Session) -> None:
    carol = Session.open(vault, "carol", INITIAL)
    try:
        carol.change_passphrase(INITIAL, CAROL_PASS)
        carol.set_role(OFFICER, "caseworker")  # carol is now the only officer
        before = vault.with_suffix(".keys").read_bytes()
        # alice's session was opened while she was an officer; whatever it still believes,
        # disabling carol would leave nobody to manage accounts.
        with pytest.raises(PermissionDenied):
            alice.disable_user("carol")
        assert vault.with_suffix(".keys").read_bytes() == before
        assert [u.status for u in carol.list_users() if u.username == "carol"] == ["active"]
    finally:
        carol.close()


def test_a_disabled_user_cannot_bring_back_a_slot_from_an_open_session(vault: Path, alice: Session) -> None:
    """bob is still signed in when an officer disables him: changing his passphrase must
    not write a new slot, or he could unlock the data key again from the keyslot file."""
    bob = Session.open(vault, "bob", BOB_PASS)
    try:
        alice.disable_user("bob")
        with pytest.raises((DisabledUser, PermissionDenied)):
            bob.change_passphrase(BOB_PASS, "a brand new passphrase 99")
    finally:
        bob.close()
    assert "sealed" not in slots(vault)["bob"]
    keyfile = KeyFile.load(vault.with_suffix(".keys"))
    with pytest.raises(DisabledUser):
        keyfile.unseal("bob", "a brand new passphrase 99")
    # The refused change left no trace but the refusal: no passphrase change after the disable.
    disabled_at = alice.audit_log(action="user disable", limit=1)[0].seq
    changes = alice.audit_log(action="passphrase change", username="bob", limit=10)
    assert changes and all(r.seq < disabled_at for r in changes)


# ---- set_role ------------------------------------------------------------------------------------


def test_set_role_changes_what_the_user_may_do(vault: Path, alice: Session) -> None:
    alice.set_role("bob", "officer")
    assert {u.username: u.role for u in alice.list_users()}["bob"] == "officer"
    bob = Session.open(vault, "bob", BOB_PASS)
    try:
        assert bob.user.role == "officer"
        assert "alice" in usernames(bob)
    finally:
        bob.close()
    alice.set_role("bob", "caseworker")
    row = alice.audit_log(action="user role", limit=1)[0]
    assert (row.entity_id, row.summary) == ("bob", "role officer -> caseworker")
    with pytest.raises(ValidationError):
        alice.set_role("bob", "superuser")
    with pytest.raises(ValidationError, match="no account"):
        alice.set_role("nobody", "caseworker")


def test_the_only_officer_cannot_demote_themselves(vault: Path, alice: Session) -> None:
    alice.set_role("carol", "caseworker")
    with pytest.raises(PermissionDenied, match="last active officer"):
        alice.set_role(OFFICER, "supervisor")
    assert alice.user.role == "officer"
    alice.set_role("carol", "officer")
    alice.set_role(OFFICER, "supervisor")  # another officer exists now
    assert alice.user.role == "supervisor"
    with pytest.raises(PermissionDenied):
        alice.list_users()


# ---- change_passphrase -----------------------------------------------------------------------------


def test_change_passphrase_rewrites_only_the_users_own_slot(vault: Path) -> None:
    before = slots(vault)
    raw_before = vault.with_suffix(".keys").read_text()
    bob = Session.open(vault, "bob", BOB_PASS)
    try:
        bob.change_passphrase(BOB_PASS, "a brand new passphrase 99")
    finally:
        bob.close()
    after = slots(vault)
    raw_after = vault.with_suffix(".keys").read_text()
    for name in ("alice", "carol"):
        assert after[name] == before[name]
        # Byte-identical as serialised, too: the slot's block of text is in both files.
        block = textwrap.indent(json.dumps(before[name], indent=1, sort_keys=True), "  ")
        assert block in raw_before and block in raw_after
    assert after["bob"]["slot_id"] != before["bob"]["slot_id"]
    assert after["bob"]["kdf"]["salt"] != before["bob"]["kdf"]["salt"]
    assert after["bob"]["must_change"] is False
    keyfile = KeyFile.load(vault.with_suffix(".keys"))
    with pytest.raises(WrongPassphrase):
        keyfile.unseal("bob", BOB_PASS)
    Session.open(vault, "bob", "a brand new passphrase 99").close()


def test_change_passphrase_checks_the_current_one_and_the_rules(vault: Path) -> None:
    before = vault.with_suffix(".keys").read_bytes()
    bob = Session.open(vault, "bob", BOB_PASS)
    try:
        with pytest.raises(WrongPassphrase, match="current passphrase is wrong"):
            bob.change_passphrase(WRONG, "a brand new passphrase 99")
        with pytest.raises(ValidationError, match="must differ"):
            bob.change_passphrase(BOB_PASS, BOB_PASS)
        with pytest.raises(ValidationError) as caught:
            bob.change_passphrase(BOB_PASS, "bob is my name really")
        assert caught.value.field == "passphrase"
        with pytest.raises(ValidationError):
            bob.change_passphrase(BOB_PASS, "too short")
    finally:
        bob.close()
    assert vault.with_suffix(".keys").read_bytes() == before


def test_must_change_blocks_everything_until_changed(vault: Path, tmp_path: Path) -> None:
    carol = Session.open(vault, "carol", INITIAL)
    try:
        assert carol.must_change_passphrase
        for call in (
            carol.list_users,
            lambda: carol.add_user("dave", "Dave Example", "caseworker", INITIAL),
            lambda: carol.disable_user("bob"),
            lambda: carol.set_role("bob", "officer"),
            carol.verify,
            carol.audit_log,
            lambda: carol.backup(tmp_path / "b.db"),
        ):
            with pytest.raises(PermissionDenied, match="change your initial passphrase"):
                call()
        assert not (tmp_path / "b.db").exists()
        carol.change_passphrase(INITIAL, CAROL_PASS)
        assert not carol.must_change_passphrase
        assert usernames(carol) == ["alice", "bob", "carol"]
        assert carol.verify().ok
    finally:
        carol.close()
    assert slots(vault)["carol"]["must_change"] is False
    again = Session.open(vault, "carol", CAROL_PASS)
    try:
        assert not again.must_change_passphrase
    finally:
        again.close()


# ---- lock and unlock --------------------------------------------------------------------------------


def test_lock_wipes_the_key_and_closes_connections(vault: Path, alice: Session) -> None:
    conn = alice._conn()
    key = alice._key
    assert key is not None and not key.wiped
    alice.lock("test")
    assert alice.locked and alice._key is None and alice._audit_key is None
    assert key.wiped
    assert alice.locked_at is not None
    with pytest.raises(db.dbapi2.ProgrammingError):
        conn.execute("SELECT 1")
    for call in (alice._conn, alice.list_users, alice.verify, alice.audit_log):
        with pytest.raises(VaultLocked):
            call()
    wal = vault.with_name(vault.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed on lock
    alice.lock()  # a second lock is harmless


def test_unlock_wrong_passphrase_stays_locked_right_one_reopens(vault: Path, alice: Session) -> None:
    alice.lock()
    with pytest.raises(WrongPassphrase):
        alice.unlock(WRONG)
    assert alice.locked and alice._key is None
    with pytest.raises(VaultLocked):
        alice.list_users()
    with pytest.raises(WrongPassphrase):
        alice.unlock(BOB_PASS)  # another user's passphrase is not alice's
    alice.unlock(OFFICER_PASS)
    assert not alice.locked and alice.locked_at is None
    assert alice.user.username == OFFICER
    assert usernames(alice) == ["alice", "bob", "carol"]
    assert alice.verify().ok
    alice.unlock(OFFICER_PASS)  # unlocking an open session is a no-op


def test_unlock_after_being_disabled_is_refused(vault: Path, alice: Session) -> None:
    bob = Session.open(vault, "bob", BOB_PASS)
    bob.lock()
    alice.disable_user("bob")
    with pytest.raises(DisabledUser):
        bob.unlock(BOB_PASS)
    assert bob.locked
    bob.close()


def test_close_wipes_the_key(alice: Session) -> None:
    key = alice._key
    alice.close()
    assert key.wiped and alice.locked
    with pytest.raises(VaultLocked):
        alice.list_users()


# ---- backup ----------------------------------------------------------------------------------------


def test_backup_writes_a_private_encrypted_copy_that_opens(vault: Path, alice: Session, tmp_path: Path) -> None:
    target = alice.backup(tmp_path / "backups" / "copy.db")
    assert target == tmp_path / "backups" / "copy.db"
    keys = target.with_suffix(".keys")
    for path in (target, keys):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert not target.read_bytes().startswith(b"SQLite format 3")
    assert b"Alice Example" not in target.read_bytes()
    copy = Session.open(target, OFFICER, OFFICER_PASS)
    try:
        assert usernames(copy) == ["alice", "bob", "carol"]
        assert copy.verify().ok
        assert copy.vault_id == alice.vault_id
    finally:
        copy.close()
    Session.open(target, "bob", BOB_PASS).close()  # same keyslots
    assert alice.audit_log(action="backup", limit=1)[0].summary.endswith("copy.db")


def test_backup_into_a_folder_names_the_file(alice: Session, tmp_path: Path) -> None:
    folder = tmp_path / "into"
    folder.mkdir()
    target = alice.backup(folder)
    assert target.parent == folder and target.name.startswith("uwu-backup-") and target.suffix == ".db"
    assert target.with_suffix(".keys").exists()


@pytest.mark.parametrize("existing", ["db", "keys"])
def test_backup_refuses_to_overwrite(vault: Path, alice: Session, tmp_path: Path, existing: str) -> None:
    dest = tmp_path / "taken.db"
    victim = dest if existing == "db" else dest.with_suffix(".keys")
    victim.write_bytes(b"precious")
    with pytest.raises(ValidationError, match="already exists"):
        alice.backup(dest)
    assert victim.read_bytes() == b"precious"
    with pytest.raises(ValidationError):
        alice.backup(vault)  # never over the vault itself


def test_backup_carries_the_current_keyslots_not_the_ones_seen_at_sign_in(
    vault: Path, alice: Session, tmp_path: Path
) -> None:
    """Another officer disables bob after alice signed in: alice's backup must not carry
    bob's old slot (it opens the same data key), nor miss an account added meanwhile."""
    alice._conn()
    carol = Session.open(vault, "carol", INITIAL)
    try:
        carol.change_passphrase(INITIAL, CAROL_PASS)
        carol.disable_user("bob")
        carol.add_user("dave", "Dave Example", "caseworker", INITIAL)
    finally:
        carol.close()
    target = alice.backup(tmp_path / "copy.db")
    copied = {s.username: s for s in KeyFile.load(target.with_suffix(".keys")).slots}
    live = {s.username: s for s in KeyFile.load(vault.with_suffix(".keys")).slots}
    assert not copied["bob"].active
    assert copied["dave"].active
    assert {n: s.sealed for n, s in copied.items()} == {n: s.sealed for n, s in live.items()}
    with pytest.raises(DisabledUser):
        Session.open(target, "bob", BOB_PASS)


def test_backup_refuses_a_keyslot_file_edited_outside_uwu(vault: Path, alice: Session, tmp_path: Path) -> None:
    keys = vault.with_suffix(".keys")
    data = json.loads(keys.read_bytes())
    for slot in data["slots"]:
        if slot["username"] == "carol":
            slot["must_change"] = False
    keys.write_text(json.dumps(data))
    from uwu_tui.errors import KeyFileError

    with pytest.raises(KeyFileError, match="MAC"):
        alice.backup(tmp_path / "copy.db")
    assert list(tmp_path.glob("copy*")) == []


def test_backup_needs_an_officer(vault: Path, tmp_path: Path) -> None:
    bob = Session.open(vault, "bob", BOB_PASS)
    try:
        with pytest.raises(PermissionDenied):
            bob.backup(tmp_path / "b.db")
    finally:
        bob.close()
    assert list(tmp_path.glob("b.*")) == []


def test_uwu_backup_exits_0(vault: Path, tmp_path: Path) -> None:
    dest = tmp_path / "cli-backup.db"
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(
        ["--vault", str(vault), "--user", OFFICER, "--passphrase-file", "-", "backup", str(dest)],
        stdin=io.StringIO(OFFICER_PASS + "\n"), out=out, err=err,
    )
    assert code == 0, err.getvalue()
    assert str(dest) in out.getvalue() and "cli-backup.keys" in out.getvalue()
    assert dest.exists() and dest.with_suffix(".keys").exists()
    # A second run refuses to overwrite it.
    code = cli.run(
        ["--vault", str(vault), "--user", OFFICER, "--passphrase-file", "-", "backup", str(dest)],
        stdin=io.StringIO(OFFICER_PASS + "\n"), out=io.StringIO(), err=(err := io.StringIO()),
    )
    assert code == 1 and "already exists" in err.getvalue()


def test_a_signed_in_user_loses_powers_when_disabled_or_demoted(vault_path: Path) -> None:
    """Role and status are read again when another connection commits: a demoted officer
    cannot add accounts, and a disabled user is locked out at their next action."""
    admin = Session.open(vault_path, OFFICER, OFFICER_PASS)
    admin.add_user("olga", "Olga Example", "officer", "initial granite window 77")
    admin.add_user("carl", "Carl Example", "caseworker", "initial granite window 78")
    olga = Session.open(vault_path, "olga", "initial granite window 77")
    olga.change_passphrase("initial granite window 77", "harbour lights at dusk")
    carl = Session.open(vault_path, "carl", "initial granite window 78")
    carl.change_passphrase("initial granite window 78", "copper kettle on the hob")
    assert len(olga.list_users()) == 3

    admin.set_role("olga", "caseworker")
    with pytest.raises(PermissionDenied):
        olga.list_users()
    assert olga.user.role == "caseworker"

    admin.disable_user("carl")
    with pytest.raises(DisabledUser):
        carl.find_members("anyone")
    assert carl.locked
    admin.close()
    olga.close()

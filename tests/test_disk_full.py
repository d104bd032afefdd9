"""A full disk is a failure said in one line (exit 1), never a run reported as done.

The disk is real: a 1 MB tmpfs mounted in a private mount namespace (``unshare``), holding
the database, filled with a file until only a little room is left; and /dev/full, where
every write fails with ENOSPC.
"""

from __future__ import annotations

import shlex
import subprocess

from conftest import pantau_command

HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"


def on_small_disk(project, script: str) -> subprocess.CompletedProcess:
    """Run ``script`` (sh) in the project folder with ``full/`` a 1 MB tmpfs; $P is pantau."""
    (project.root / "full").mkdir(exist_ok=True)
    pantau = " ".join(shlex.quote(c) for c in pantau_command()) + f" --config {shlex.quote(str(project.config))}"
    body = f"mount -t tmpfs -o size=1m tmpfs full && P={shlex.quote(pantau)} && {script}"
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", body], cwd=project.root, capture_output=True, text=True, timeout=120, check=False
    )


def rows(n: int, url: str = "https://opd{i}.mubakab.go.id") -> str:
    return HEADER + "".join(
        f"Dinas {i} Kab. Musi Banyuasin,16.06,website,,{url.format(i=i)},,,,{'c' * 150}\n" for i in range(n)
    )


def test_registry_import_on_a_full_disk_is_one_line_and_exit_1(project):
    project.config.write_text(project.config.read_text().replace('path = "pantau.db"', 'path = "full/pantau.db"'))
    project.write("registry.csv", rows(6000))

    done = on_small_disk(project, "$P registry import registry.csv")

    # It should fail with one line saying the disk is full, and print no counts
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        "pantau: disk full: nothing was saved; free some space and run the command again"
    ]
    assert done.stdout == ""


def test_a_check_that_cannot_store_its_observations_fails_instead_of_reporting_success(project):
    project.config.write_text(
        project.config.read_text()
        .replace('path = "pantau.db"', 'path = "full/pantau.db"')
        # (a real contact: `check` warns about the example one on stderr)
        .replace("[crawler]", '[crawler]\ncontact = "https://diskominfo.mubakab.go.id/kontak"', 1)
    )
    # Nothing listens on these ports: each check is a quick "connection refused" observation.
    project.write("registry.csv", rows(25, "http://127.0.0.1:{i}9"))

    done = on_small_disk(
        project,
        "$P registry import registry.csv >/dev/null && "
        # Fill what is left but a few pages: the database still opens,
        # and the observations of the check cannot be stored.
        "avail=$(df -k full | awk 'NR==2{print $4}'); "
        "dd if=/dev/zero of=full/filler bs=1k count=$((avail - 48)) 2>/dev/null; "
        "$P check --all",
    )

    # It should exit 1 with the disk-full line and not say how many accounts it checked
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        "pantau: disk full: nothing was saved; free some space and run the command again"
    ]
    assert "checked" not in done.stdout


def test_registry_export_to_a_full_device_is_an_error(project):
    project.write("registry.csv", rows(3))
    assert project.run("registry", "import", "registry.csv").returncode == 0

    done = project.run("registry", "export", "--out", "/dev/full")

    # It should say the disk is full and not claim the file was written
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith("pantau: disk full") and "wrote" not in done.stdout + done.stderr

"""A server admin who sees pantau in their logs can reach the office that runs it."""

from __future__ import annotations

from pantau.config.settings import VERSION, load_config
from pantau.monitor.demo.server import Route

CONTACT = "https://diskominfo.mubakab.go.id/kontak"


def test_the_user_agent_names_the_operators_contact(sites, watch):
    seen: list[str] = []

    def page(handler) -> None:
        seen.append(handler.headers.get("User-Agent", ""))
        handler.send_response(404)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    site = sites.serve({}, default=Route(handler=page))
    w = watch(crawler={"contact": CONTACT})
    w.add(site.url)

    w.check()

    # It should send "pantau/<version> (+<contact>)" with every request
    assert seen and set(seen) == {f"pantau/{VERSION} (+{CONTACT})"}


def test_the_default_user_agent_no_longer_points_at_the_project(tmp_path):
    (tmp_path / "pantau.toml").write_text("# kosong\n", encoding="utf-8")

    cfg = load_config(tmp_path / "pantau.toml")

    # It should name the (example) contact, never the project's repository
    assert "github.com/pantau-id" not in cfg.crawler["user_agent"]
    assert cfg.crawler["user_agent"] == f"pantau/{VERSION} (+{cfg.crawler['contact']})"


def test_init_writes_the_contact_it_is_given(tmp_path, new_project):
    project = new_project(tmp_path / "here")
    target = tmp_path / "kominfo"

    result = project.run("init", str(target), "--contact", "diskominfo@mubakab.go.id", config=False)

    # It should put the contact in the new pantau.toml, and so in the user agent
    assert result.returncode == 0, result.stderr
    cfg = load_config(target / "pantau.toml")
    assert cfg.crawler["contact"] == "diskominfo@mubakab.go.id"
    assert cfg.crawler["user_agent"].endswith("(+diskominfo@mubakab.go.id)")


def test_init_refuses_a_contact_that_is_no_address(tmp_path, new_project):
    project = new_project(tmp_path / "here")

    result = project.run("init", str(tmp_path / "kominfo"), "--contact", "Pak Budi", config=False)

    # It should say what a contact looks like and write nothing
    assert result.returncode != 0
    assert "crawler.contact" in result.stderr
    assert not (tmp_path / "kominfo" / "pantau.toml").exists()


def test_it_warns_at_start_while_the_contact_is_the_example(project):
    result = project.run("check", "--all")

    # It should tell the operator to set their contact, and still run
    assert result.returncode == 0, result.stderr
    assert "crawler.contact is still the example" in result.stderr


def test_it_does_not_warn_once_the_contact_is_set(project):
    project.config.write_text(project.config.read_text() + f'contact = "{CONTACT}"\n', encoding="utf-8")

    result = project.run("check", "--all")

    # It should start quietly
    assert result.returncode == 0, result.stderr
    assert "crawler.contact" not in result.stderr


def test_init_asks_for_the_contact_on_a_terminal(tmp_path):
    import os
    import pty
    import select
    import subprocess
    import time

    from tests.conftest import pantau_command

    target = tmp_path / "kominfo"
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("PANTAU_CONFIG", "PANTAU_NOW")}
    proc = subprocess.Popen(
        pantau_command() + ["init", str(target)], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=tmp_path
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60
    answered = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 1024)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        if not answered and b"contact" in seen:
            os.write(master, b"humas@mubakab.go.id\n")
            answered = True
        if proc.poll() is not None and not ready:
            break
    proc.wait(30)
    os.close(master)

    # It should ask, and write the answer into pantau.toml
    assert answered, seen.decode(errors="replace")
    assert proc.returncode == 0, seen.decode(errors="replace")
    assert load_config(target / "pantau.toml").crawler["contact"] == "humas@mubakab.go.id"

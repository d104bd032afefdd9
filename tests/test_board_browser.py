"""The board driven in a real browser (Debian's Chromium through chromium-driver and Selenium),
on a loopback board, with the link taken from a digest delivered to a real SMTP server.

One browser for the module; each test starts from a clean cookie jar.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from pantau.alerts.links import sign_link
from pantau.alerts.send import send_pending
from pantau.monitor.board.demo import mailed_link as link_in
from pantau.monitor.board.serve import BackgroundBoard
from pantau.monitor.demo.run import MailSink
from pantau.monitor.demo.server import free_port
from pantau.storage.db import open_db
from pantau.storage.responses import current_response
from tests.board_support import MUBA, NOW, PASSWORD, PASSWORD_ENV, SECRET, SECRET_ENV, build_country, clock, config_for

CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv(SECRET_ENV, SECRET)
    mp.setenv(PASSWORD_ENV, PASSWORD)
    tmp = tmp_path_factory.mktemp("board")
    smtp = MailSink().start()  # a real SMTP server (aiosmtpd) on loopback
    port = free_port()
    cfg = config_for(tmp, {"host": "127.0.0.1", "port": smtp.port, "timeout_s": 5}, base_url=f"http://127.0.0.1:{port}")
    country = build_country(cfg)
    board = BackgroundBoard(cfg, clock(), port=port, background_snapshots=False).start()
    db = open_db(cfg.db_path)
    send_pending(db, cfg, NOW)
    db.conn.close()
    yield cfg, country, smtp, board
    board.stop()
    smtp.stop()
    mp.undo()


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="pantau-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1280,1000",
    ):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def fresh(browser, world):
    browser.get(world[3].url + "/login")
    browser.delete_all_cookies()
    return browser


def submit(driver, button_id: str, then: str) -> None:
    """Click a form's button and wait for the next page to show the element ``then``."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, button_id).click()
    WebDriverWait(driver, 10).until(ec.staleness_of(old))
    WebDriverWait(driver, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, then)))


def mailed_link(smtp: MailSink, email: str) -> str:
    assert any(email in rcpts for rcpts, _ in smtp.messages), f"no digest was delivered to {email}"
    link = link_in(smtp.messages, email)
    assert link, "the digest carries no board link"
    return link


def test_a_mailed_link_shows_only_the_recipients_region_and_records_a_closed_answer(fresh, world):
    cfg, country, smtp, board = world
    fresh.get(mailed_link(smtp, MUBA))
    regions = {e.get_attribute("data-region") for e in fresh.find_elements(By.CSS_SELECTOR, "#regions tr[data-region]")}
    # It should open the recipient's own regency and nothing outside it
    assert regions == {"16", "16.06"}
    assert "Bandung" not in fresh.page_source

    fresh.get(f"{board.url}/accounts/{country.ids['muba_close']}")
    assert fresh.find_element(By.ID, "status").get_attribute("data-status") == "close_recommended"
    fresh.find_element(By.ID, "kind-closed").click()
    fresh.find_element(By.ID, "note").send_keys("akun sudah ditutup pada 18 November")
    submit(fresh, "answer-submit", "#answer")
    # It should show the answer on the page, recorded with the link's recipient as who
    assert fresh.find_element(By.ID, "answer-kind").get_attribute("data-kind") == "closed"
    db = open_db(cfg.db_path)
    try:
        answer = current_response(db, country.ids["muba_close"])
    finally:
        db.conn.close()
    assert answer["kind"] == "closed" and answer["who"] == MUBA


def test_a_tampered_or_expired_link_opens_nothing(fresh, world):
    cfg, country, smtp, board = world
    link = mailed_link(smtp, MUBA)
    head, token = link.rsplit("/", 1)
    tampered = head + "/" + token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    expired = sign_link(cfg, MUBA, NOW - timedelta(days=cfg.web["link_days"] + 1))
    for bad in (tampered, expired):
        fresh.get(bad)
        # It should answer with the login page and its refusal, and no account data
        assert fresh.find_element(By.ID, "message").text
        assert not fresh.find_elements(By.ID, "regions")
        fresh.get(f"{board.url}/accounts/{country.ids['muba_close']}")
        assert "/login" in fresh.current_url


def test_an_account_outside_the_links_scope_is_not_found(fresh, world):
    cfg, country, smtp, board = world
    fresh.get(mailed_link(smtp, MUBA))
    fresh.get(f"{board.url}/accounts/{country.ids['bdg_dead']}")
    # It should say "not found", exactly as for an account that does not exist
    assert "Tidak ditemukan" in fresh.find_element(By.TAG_NAME, "h1").text
    assert "Bandung" not in fresh.page_source


def test_the_admin_signs_in_and_a_wrong_password_is_refused_then_rate_limited(fresh, world):
    cfg, country, smtp, board = world
    fresh.get(board.url + "/login")
    fresh.find_element(By.ID, "password").send_keys(PASSWORD)
    submit(fresh, "login", "#regions")
    regions = {e.get_attribute("data-region") for e in fresh.find_elements(By.CSS_SELECTOR, "#regions tr[data-region]")}
    # It should give the admin the national view
    assert {"16", "32"} <= regions

    fresh.delete_all_cookies()
    messages = []
    for _ in range(6):
        fresh.get(board.url + "/login")
        fresh.find_element(By.ID, "password").send_keys("tebakan-salah")
        submit(fresh, "login", "#message")
        messages.append(fresh.find_element(By.ID, "message").text)
    # It should refuse each wrong password, then stop listening after five
    assert messages[0] == "Kata sandi salah."
    assert "Terlalu banyak" in messages[-1]
    fresh.find_element(By.ID, "password").send_keys(PASSWORD)
    submit(fresh, "login", "#message")
    # It should keep refusing, even the right password, while the limit holds
    assert "Terlalu banyak" in fresh.find_element(By.ID, "message").text
    assert not fresh.find_elements(By.ID, "regions")

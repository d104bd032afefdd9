"""Offline reading of stored platform responses: channel ids, Telegram previews, RSSHub errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from scrapy.http import HtmlResponse

from pantau.spiders.social import _GONE_RE, handle_of, post_title, rsshub_message, when
from pantau.spiders.telegram import preview_messages
from pantau.spiders.youtube import channel_id_in, known_channel_id

SOCIAL = Path(__file__).parent / "fixtures" / "social"
NOW = datetime(2024, 11, 22, tzinfo=UTC)
MUBA_CHANNEL = "UCq7Lm0nTKominfoMuba2024"


def read(name: str) -> str:
    return (SOCIAL / name).read_text(encoding="utf-8")


def test_it_reads_the_channel_id_from_the_channel_page_metadata():
    # It should take the page's own channel, not the recommended video's
    assert channel_id_in(read("youtube_channel_page.html")) == MUBA_CHANNEL


def test_it_prefers_external_id_over_channel_ids_of_recommended_videos():
    html = read("youtube_channel_page_json_only.html")
    assert html.index("UCzzOtherChannel00000000") < html.index(MUBA_CHANNEL)

    # It should pick the channel metadata's externalId although another "channelId" comes first
    assert channel_id_in(html) == MUBA_CHANNEL


def test_a_channel_url_or_a_resolved_id_needs_no_channel_page():
    # It should know the id without fetching anything
    assert known_channel_id({"url": f"https://youtube.com/channel/{MUBA_CHANNEL}"}) == MUBA_CHANNEL
    assert known_channel_id({"url": "https://youtube.com/@kominfomuba", "resolved_id": MUBA_CHANNEL}) == MUBA_CHANNEL
    assert known_channel_id({"url": "https://youtube.com/@kominfomuba", "resolved_id": "1234"}) is None
    assert known_channel_id({"url": "https://youtube.com/@kominfomuba", "resolved_id": None}) is None


def test_it_reads_every_message_of_a_telegram_preview():
    cands, is_preview = preview_messages(read("telegram_preview_active.html"), "https://t.me/s/kominfomuba", NOW)
    newest = max(cands, key=lambda c: c.at)

    # It should see four dated messages, the newest with its own link
    assert is_preview and len(cands) == 4
    assert newest.at == datetime(2024, 11, 20, 3, 15, tzinfo=UTC)
    assert newest.url == "https://t.me/kominfomuba/1201"
    assert newest.title.startswith("Bupati Muba meresmikan jembatan")
    assert newest.source == "page-date"


def test_telegram_service_messages_are_not_activity():
    cands, _ = preview_messages(read("telegram_preview_dormant.html"), "https://t.me/s/dispar_oku", NOW)

    # It should ignore "Channel photo updated" (Telegram's note, 1 November) and keep the last post
    assert max(c.at for c in cands) == datetime(2024, 9, 9, 9, 30, tzinfo=UTC)


def test_a_contact_page_is_not_a_preview():
    for name in ("telegram_private.html", "telegram_not_found.html"):
        cands, is_preview = preview_messages(read(name), "https://t.me/x", NOW)

        # It should find no messages and know it is not a channel preview
        assert (cands, is_preview) == ([], False)


def test_it_tells_a_missing_account_from_a_missing_route_in_rsshub_errors():
    gone = rsshub_message(
        HtmlResponse(
            "http://rsshub/twitter/user/kominfohilang", status=503, body=read("rsshub_error_account_gone.html").encode()
        )
    )
    no_route = rsshub_message(
        HtmlResponse(
            "http://rsshub/instagram/userr/kominfomuba", status=404, body=read("rsshub_error_no_route.html").encode()
        )
    )
    blocked = rsshub_message(
        HtmlResponse(
            "http://rsshub/instagram/user/kominfomuba", status=503, body=read("rsshub_error_blocked.html").encode()
        )
    )

    # It should read the error message out of the page and judge only a vanished account as gone
    assert gone == "InvalidParameterError: This account doesn't exist"
    assert _GONE_RE.search(gone)
    assert "route does not exist" in no_route and not _GONE_RE.search("NotFoundError:")
    assert "429 Too Many Requests" in blocked and not _GONE_RE.search(blocked)


def test_api_timestamps_of_every_platform_read_as_utc():
    # It should read Meta's +0000, X's milliseconds, YouTube's Z and epoch seconds
    expected = datetime(2024, 11, 19, 8, 0, tzinfo=UTC)
    for stamp in ("2024-11-19T08:00:00+0000", "2024-11-19T08:00:00.000Z", "2024-11-19T15:00:00+07:00", 1732003200):
        assert when(stamp, NOW) == expected
    assert when("bukan tanggal", NOW) is None


def test_handles_and_titles_come_out_clean():
    # It should find the handle in the registry row or in its url, and make one-line titles
    assert handle_of({"handle": "@kominfomuba", "url": "https://instagram.com/x"}) == "kominfomuba"
    assert handle_of({"handle": "", "url": "https://t.me/s/kominfomuba"}) == "kominfomuba"
    assert handle_of({"handle": "", "url": "https://tiktok.com/@kominfomuba"}) == "kominfomuba"
    assert handle_of({"handle": "", "url": "https://facebook.com/profile.php?id=100064123456789"}) == "100064123456789"
    assert post_title("\n\nBupati Muba meresmikan jembatan.\n#MubaMaju") == "Bupati Muba meresmikan jembatan."
    assert len(post_title("a" * 500)) == 120

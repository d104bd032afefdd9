"""One social account, one identity: every form an operator pastes normalises to the same url."""

from __future__ import annotations

import pytest

from pantau.config.platforms import IdentityError, canonical_platform, normalise_account


@pytest.mark.parametrize(
    "platform, pasted, handle, expected",
    [
        ("instagram", "@kominfomuba", "", ("https://instagram.com/kominfomuba", "kominfomuba")),
        ("instagram", "instagram.com/kominfomuba/", "", ("https://instagram.com/kominfomuba", "kominfomuba")),
        (
            "instagram",
            "https://www.instagram.com/KominfoMuba/?hl=id",
            "",
            ("https://instagram.com/kominfomuba", "kominfomuba"),
        ),
        ("instagram", "", "@KominfoMuba", ("https://instagram.com/kominfomuba", "kominfomuba")),
        ("x", "twitter.com/x", "", ("https://x.com/x", "x")),
        (
            "x",
            "https://mobile.twitter.com/KominfoMuba/status/1858900000000000001",
            "",
            ("https://x.com/kominfomuba", "kominfomuba"),
        ),
        ("x", "@KominfoMuba", "", ("https://x.com/kominfomuba", "kominfomuba")),
        ("youtube", "youtube.com/@kominfomuba", "", ("https://youtube.com/@kominfomuba", "kominfomuba")),
        (
            "youtube",
            "https://www.youtube.com/@KominfoMuba/videos",
            "",
            ("https://youtube.com/@kominfomuba", "kominfomuba"),
        ),
        ("youtube", "https://m.youtube.com/@kominfomuba", "", ("https://youtube.com/@kominfomuba", "kominfomuba")),
        ("youtube", "@kominfomuba", "", ("https://youtube.com/@kominfomuba", "kominfomuba")),
        (
            "youtube",
            "https://www.youtube.com/channel/UCq7Lm0nTKominfoMuba2024/featured",
            "",
            ("https://youtube.com/channel/UCq7Lm0nTKominfoMuba2024", ""),
        ),
        ("youtube", "https://www.youtube.com/c/KominfoMuba", "", ("https://youtube.com/c/KominfoMuba", "KominfoMuba")),
        ("telegram", "t.me/kominfomuba", "", ("https://t.me/kominfomuba", "kominfomuba")),
        ("telegram", "https://t.me/s/kominfomuba", "", ("https://t.me/kominfomuba", "kominfomuba")),
        ("telegram", "telegram.me/KominfoMuba", "", ("https://t.me/kominfomuba", "kominfomuba")),
        ("telegram", "@KominfoMuba", "", ("https://t.me/kominfomuba", "kominfomuba")),
        ("facebook", "facebook.com/kominfomuba", "", ("https://facebook.com/kominfomuba", "kominfomuba")),
        (
            "facebook",
            "https://web.facebook.com/KominfoMuba/?ref=embed_page",
            "",
            ("https://facebook.com/kominfomuba", "kominfomuba"),
        ),
        (
            "facebook",
            "https://www.facebook.com/profile.php?id=100064123456789&sk=about",
            "",
            ("https://facebook.com/profile.php?id=100064123456789", ""),
        ),
        (
            "tiktok",
            "https://www.tiktok.com/@KominfoMuba?lang=id-ID",
            "",
            ("https://tiktok.com/@kominfomuba", "kominfomuba"),
        ),
        ("threads", "threads.net/@kominfomuba", "", ("https://threads.net/@kominfomuba", "kominfomuba")),
        (
            "mastodon",
            "https://Sosial.MubaKab.go.id/@Diskominfo/",
            "",
            ("https://sosial.mubakab.go.id/@diskominfo", "@diskominfo@sosial.mubakab.go.id"),
        ),
        (
            "mastodon",
            "https://sosial.mubakab.go.id/users/diskominfo",
            "",
            ("https://sosial.mubakab.go.id/@diskominfo", "@diskominfo@sosial.mubakab.go.id"),
        ),
    ],
)
def test_it_normalises_every_pasted_form_of_an_account(platform, pasted, handle, expected):
    # It should give the canonical url and handle, whatever form was pasted
    assert normalise_account(platform, pasted, handle) == expected


def test_it_reads_a_mastodon_handle_pasted_into_the_url_column():
    # "@user@server" in the url column once normalised to the bare server, watching the wrong thing.
    url, handle = normalise_account("mastodon", "@diskominfo@sosial.mubakab.go.id")

    # It should be the profile, not the instance
    assert url == "https://sosial.mubakab.go.id/@diskominfo"
    assert handle == "@diskominfo@sosial.mubakab.go.id"


def test_two_spellings_of_one_account_are_one_identity():
    forms = [
        "@KominfoMuba",
        "instagram.com/kominfomuba/",
        "https://www.instagram.com/KOMINFOMUBA",
        "instagr.am/kominfomuba",
    ]

    # It should give one url for all of them, so a re-import updates instead of duplicating
    assert {normalise_account("instagram", f)[0] for f in forms} == {"https://instagram.com/kominfomuba"}


def test_twitter_is_stored_as_x():
    # It should accept the old name and the old host
    assert canonical_platform("Twitter") == "x"
    assert normalise_account(canonical_platform("twitter"), "https://twitter.com/x")[0] == "https://x.com/x"


@pytest.mark.parametrize(
    "platform, pasted",
    [
        ("instagram", "https://www.instagram.com/p/DCjEmBaTan1/"),
        ("instagram", "https://www.instagram.com/reel/DCjEmBaTan1/"),
        ("x", "https://x.com/intent/follow?screen_name=kominfomuba"),
        ("telegram", "https://t.me/joinchat/AAAAAEkominfo"),
        ("youtube", "https://www.youtube.com/watch?v=Xk3mUbA2411"),
        ("facebook", "https://www.facebook.com/groups/wargamuba"),
    ],
)
def test_it_refuses_a_link_to_a_post_instead_of_an_account(platform, pasted):
    # It should say the link is not an account, rather than watch an account named "p" or "watch"
    with pytest.raises(IdentityError, match="not to an account"):
        normalise_account(platform, pasted)


def test_it_refuses_an_address_of_another_platform():
    # It should name the platform the address should belong to
    with pytest.raises(IdentityError, match="is not a instagram address"):
        normalise_account("instagram", "https://facebook.com/kominfomuba")

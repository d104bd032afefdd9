"""Tokens never reach what pantau writes down: the redact helper."""

from __future__ import annotations

from pantau.spiders.secrets import MASK, redact

TOKEN = "EAAGm0PX4ZCpsBAKominfoMubaRahasia2024"


def test_it_masks_a_known_token_wherever_it_appears():
    text = f"(#190) Malformed access token {TOKEN}"

    # It should leave the message and remove the token
    assert redact(text, [TOKEN]) == f"(#190) Malformed access token {MASK}"


def test_it_masks_credential_parameters_in_urls_even_when_the_value_is_unknown():
    text = (
        "HTTP 500 from https://www.googleapis.com/youtube/v3/search?part=snippet&key=AIzaSyUnknown123"
        "&channelId=UCq7Lm0nTKominfoMuba2024 and "
        "https://graph.facebook.com/v19.0/104/posts?access_token=EAAUnknown&limit=5"
    )

    out = redact(text)

    # It should mask the values of key= and access_token= and keep the rest of each URL
    assert "AIzaSyUnknown123" not in out and "EAAUnknown" not in out
    assert f"key={MASK}&channelId=UCq7Lm0nTKominfoMuba2024" in out
    assert f"access_token={MASK}&limit=5" in out


def test_it_masks_a_percent_encoded_token():
    app_token = "1234567890|s3cr3tAppSecret"
    text = "https://graph.facebook.com/v19.0/me?access_token=1234567890%7Cs3cr3tAppSecret was refused; "

    # It should find the token in its URL-encoded form too
    out = redact(text + f"token {app_token}", [app_token])
    assert "s3cr3tAppSecret" not in out


def test_it_masks_bearer_credentials_copied_into_a_message():
    text = "request failed: headers={'Authorization': 'Bearer AAAAAAAAAAAAAAAAAAAAAKominfo%2Fxyz'}"

    # It should keep the scheme and drop the credential
    assert redact(text) == f"request failed: headers={{'Authorization': 'Bearer {MASK}'}}"


def test_it_leaves_ordinary_text_alone():
    text = "account not found: t.me/kominfohilang does not exist; monkey=1&keyboard=2"

    # It should not touch words that merely contain a parameter name
    assert redact(text, ["", None, "x"]) == text
    assert redact(None, [TOKEN]) is None

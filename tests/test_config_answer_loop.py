"""The answer loop's configuration keys: defaults, and errors that name the key."""

from __future__ import annotations

import pytest

from pantau.config.settings import ConfigError, from_dict


def test_the_answer_loop_keys_have_their_documented_defaults():
    cfg = from_dict({"recipients": [{"email": "kadis@mubakab.go.id", "regions": ["16.06"]}]}, None)
    # It should escalate after 14 days, link to no board, and send to no chat unless told
    assert cfg.data["policy"]["escalate_after_days"] == 14
    assert cfg.data["web"]["base_url"] == "" and cfg.data["web"]["link_days"] == 30
    assert cfg.recipients[0].apprise_env == ""


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"policy": {"escalate_after_days": -1}}, "escalate_after_days must be at least 0"),
        ({"policy": {"platform": {"website": {"escalate_after_days": 3}}}}, "unknown key"),
        (
            {"recipients": [{"email": "kadis@mubakab.go.id", "regions": ["16.06"], "apprise_env": "tgram://x/y"}]},
            "apprise_env must name an environment variable",
        ),
    ],
)
def test_it_refuses_answer_loop_settings_it_cannot_use(raw, message):
    # It should stop at load time and say which key is wrong
    with pytest.raises(ConfigError, match=message):
        from_dict(raw, None)


def test_zero_means_escalate_at_the_next_alerts_run():
    # It should accept 0 (escalate at once), unlike the per-platform thresholds
    assert from_dict({"policy": {"escalate_after_days": 0}}, None).data["policy"]["escalate_after_days"] == 0

from __future__ import annotations

import pytest

from portal.config import Config, ConfigError


def test_the_throttle_counts_in_memory_unless_told_otherwise():
    cfg = Config.from_env({"PORTAL_ENV": "development"})

    assert cfg.ratelimit_storage_uri == "memory://"
    assert cfg.ratelimit_key_prefix == "portal"


def test_a_redis_storage_and_prefix_are_read_from_the_environment():
    cfg = Config.from_env(
        {
            "PORTAL_ENV": "development",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            "RATELIMIT_KEY_PREFIX": "iruma",
        }
    )

    assert cfg.ratelimit_storage_uri == "redis://127.0.0.1:6379/0"
    assert cfg.ratelimit_key_prefix == "iruma"


def test_an_unknown_storage_is_refused():
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        Config.from_env({"PORTAL_ENV": "development", "RATELIMIT_STORAGE_URI": "mongodb://x"})

from __future__ import annotations

import dataclasses

import pytest

from portal.config import Config, ConfigError


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(ConfigError, match="SECRET_KEY") as err:
        Config.from_env({"PORTAL_ENV": "production"})

    assert "secrets.token_urlsafe" in str(err.value)


def test_production_refuses_a_known_weak_secret_key():
    with pytest.raises(ConfigError):
        Config.from_env({"PORTAL_ENV": "production", "SECRET_KEY": "you-will-never-guess"})


PG_URL = "postgresql+psycopg://portal@127.0.0.1:5432/portal"


def test_production_accepts_a_long_random_key_with_postgresql_and_a_writable_folder(tmp_path):
    cfg = Config.from_env(
        {
            "PORTAL_ENV": "production",
            "SECRET_KEY": "k" * 20 + "Zx9" * 10,
            "DATABASE_URL": PG_URL,
            "STORAGE_DIR": str(tmp_path),
        }
    )

    assert cfg.secure_cookies
    assert cfg.profile == "iruma"
    assert cfg.proxy_hops == 0


def test_production_names_every_problem_on_its_own_line(tmp_path):
    with pytest.raises(ConfigError) as err:
        Config.from_env(
            {
                "PORTAL_ENV": "production",
                "SECRET_KEY": "short",
                "DATABASE_URL": "sqlite:///portal.db",
                "STORAGE_DIR": str(tmp_path / "missing"),
            }
        )

    lines = str(err.value).splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("SECRET_KEY must be at least 32 random characters")
    assert lines[1].startswith("DATABASE_URL is SQLite; production needs PostgreSQL")
    assert lines[2].startswith(f"STORAGE_DIR {tmp_path / 'missing'} is not a folder")


def test_production_refuses_a_storage_path_that_is_a_file(tmp_path):
    (tmp_path / "file").write_text("x")

    with pytest.raises(ConfigError, match="STORAGE_DIR"):
        Config.from_env(
            {
                "PORTAL_ENV": "production",
                "SECRET_KEY": "k" * 48,
                "DATABASE_URL": PG_URL,
                "STORAGE_DIR": str(tmp_path / "file"),
            }
        )


def test_the_storage_folder_is_not_checked_for_s3(tmp_path):
    cfg = Config.from_env(
        {
            "PORTAL_ENV": "production",
            "SECRET_KEY": "k" * 48,
            "DATABASE_URL": PG_URL,
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": "portal-files",
            "STORAGE_DIR": str(tmp_path / "missing"),
        }
    )

    assert cfg.storage_backend == "s3"


@pytest.mark.parametrize(
    ("name", "value"),
    [("TRUSTED_PROXY_HOPS", "-1"), ("PORTAL_WORKERS", "0"), ("LOG_LEVEL", "loud")],
)
def test_server_settings_out_of_range_are_refused_with_their_name(name, value):
    with pytest.raises(ConfigError, match=name):
        Config.from_env({"PORTAL_ENV": "development", name: value})


def test_development_starts_with_embedded_defaults():
    cfg = Config.from_env({"PORTAL_ENV": "development"})

    assert cfg.database_url.startswith("sqlite:///")
    assert cfg.storage_backend == "local"
    assert cfg.storage_dir.name == "storage"


def test_unknown_profile_is_refused():
    with pytest.raises(ConfigError, match="PORTAL_PROFILE"):
        Config.from_env({"PORTAL_ENV": "development", "PORTAL_PROFILE": "atlantis"})


def test_s3_backend_needs_a_bucket():
    with pytest.raises(ConfigError, match="S3_BUCKET"):
        Config.from_env({"PORTAL_ENV": "development", "STORAGE_BACKEND": "s3"})


def test_non_integer_limit_is_refused_with_its_name():
    with pytest.raises(ConfigError, match="MAX_CONTENT_LENGTH"):
        Config.from_env({"PORTAL_ENV": "development", "MAX_CONTENT_LENGTH": "lots"})


def test_config_is_frozen():
    cfg = Config.from_env({"PORTAL_ENV": "development"})

    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.profile = "hiroshima"  # type: ignore[misc]


@pytest.mark.parametrize("profile", ["iruma", "hiroshima", "okinawa", "ryugasaki", "yokkaichi"])
def test_all_five_city_profiles_load_with_their_role_names(profile):
    from portal.profile import load_profile

    cfg = Config.from_env({"PORTAL_ENV": "development", "PORTAL_PROFILE": profile})
    loaded = load_profile(profile, cfg.templates_dir)

    assert set(loaded.roles) == {
        "procurement",
        "protection_manager",
        "chief",
        "auditor",
        "contractor",
        "admin",
    }
    assert loaded.inspection.checklist


def test_yokkaichi_renames_roles_and_uses_the_iruma_clause_list():
    from portal.profile import load_profile

    cfg = Config.from_env({"PORTAL_ENV": "development"})
    yokkaichi = load_profile("yokkaichi", cfg.templates_dir)

    assert yokkaichi.role_label("chief") == "総括管理者"
    assert yokkaichi.role_label("protection_manager") == "管理責任者"
    assert yokkaichi.clause_set == "iruma"


def test_hiroshima_treats_overdue_inspections_as_a_warning():
    from portal.profile import load_profile

    cfg = Config.from_env({"PORTAL_ENV": "development"})

    assert load_profile("hiroshima", cfg.templates_dir).inspection.overdue_is_violation is False
    assert load_profile("iruma", cfg.templates_dir).inspection.overdue_is_violation is True


def test_a_mistyped_switch_is_refused_rather_than_read_as_off():
    with pytest.raises(ConfigError, match="SECURE_COOKIES"):
        Config.from_env({"PORTAL_ENV": "development", "SECURE_COOKIES": "ture"})


def test_a_lockout_threshold_of_zero_is_refused():
    with pytest.raises(ConfigError, match="LOCKOUT_THRESHOLD"):
        Config.from_env({"PORTAL_ENV": "development", "LOCKOUT_THRESHOLD": "0"})

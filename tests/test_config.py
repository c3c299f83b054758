"""Settings: defaults, the TOML file, NEWSSEARCH_* variables, explicit overrides, and their checks."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from newssearch.config import Settings, env_name, settings_table
from newssearch.errors import BadRequest

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newssearch.toml"
    path.write_text(text, "utf-8")
    return path


def test_precedence_defaults_file_environment_overrides(tmp_path: Path) -> None:
    config = write(tmp_path, 'index_dir = "data/idx"\nmax_per_page = 20\nmax_query_length = 300\nquery_log = false\n')
    env = {"NEWSSEARCH_CONFIG": str(config), "NEWSSEARCH_MAX_PER_PAGE": "30"}
    s = Settings.from_env(env, max_query_length=None, lock_timeout=5)
    assert s.index_dir == tmp_path / "data" / "idx"  # relative to the file's folder
    assert (s.max_per_page, s.max_query_length, s.query_log, s.lock_timeout) == (30, 300, False, 5)
    assert s.max_result_window == 10_000  # default
    # --config wins over $NEWSSEARCH_CONFIG.
    other = tmp_path / "other.toml"
    other.write_text("max_per_page = 7\n", "utf-8")
    assert Settings.from_env({"NEWSSEARCH_CONFIG": str(config)}, config_file=other).max_per_page == 7


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("NEWSSEARCH_QUERY_LOG", "false", {"query_log": False}),
        ("NEWSSEARCH_METRICS", "0", {"metrics": False}),
        ("NEWSSEARCH_METRICS", "yes", {"metrics": True}),
        ("NEWSSEARCH_LOCK_TIMEOUT", "2.5", {"lock_timeout": 2.5}),
        ("NEWSSEARCH_PROXY_COUNT", "1", {"proxy_count": 1}),
        ("NEWSSEARCH_RATE_LIMIT_SEARCH", "10/second", {"rate_limit_search": "10/second"}),
        ("NEWSSEARCH_CORS_ORIGINS", "https://a.vn, https://b.vn", {"cors_origins": ("https://a.vn", "https://b.vn")}),
        ("NEWSSEARCH_INDEX_DIR", "/srv/idx", {"index_dir": Path("/srv/idx")}),
    ],
)
def test_environment_values_take_the_field_type(name: str, raw: str, expected: dict[str, Any]) -> None:
    s = Settings.from_env({name: raw})
    assert {k: getattr(s, k) for k in expected} == expected


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NEWSSEARCH_QUERY_LOG": "maybe"}, "NEWSSEARCH_QUERY_LOG='maybe' is not valid: expected true or false"),
        ({"NEWSSEARCH_PROXY_COUNT": "two"}, "NEWSSEARCH_PROXY_COUNT='two' is not valid: expected a number"),
    ],
)
def test_bad_environment_values(env: dict[str, str], message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max_per_page = 'lots'\n", "max_per_page in .* must be a whole number, not 'lots'"),
        ("metrics = 1\n", "metrics in .* must be true or false, not 1"),
        ("max_per_page = true\n", "max_per_page in .* must be a whole number, not True"),
        ("cors_origins = [1]\n", "cors_origins in .* must be a list of text"),
        ("index_dir = 3\n", "index_dir in .* must be a path"),
        ("max_per_pages = 5\n", "unknown key 'max_per_pages'"),
        ("max_per_page = \n", "is not valid TOML"),
    ],
)
def test_bad_config_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        Settings.from_env({}, config_file=write(tmp_path, text))


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(BadRequest, match="cannot read the configuration file"):
        Settings.from_env({"NEWSSEARCH_CONFIG": str(tmp_path / "nope.toml")})


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"rate_limit_search": "lots"}, "rate_limit_search"),
        ({"rate_limit_suggest": "5 per fortnight"}, "rate_limit_suggest"),
        ({"log_format": "xml"}, "log_format"),
        ({"ray_replicas": 0}, "ray_replicas"),
        ({"ray_max_replicas": 4, "ray_min_replicas": 3, "ray_replicas": 2}, "ray_max_replicas"),
        ({"ray_max_replicas": 1, "ray_replicas": 2}, "ray_max_replicas"),
        ({"ray_max_replicas": 4, "ray_min_replicas": 0}, "ray_max_replicas"),
    ],
)
def test_check_refuses_values_that_cannot_work(overrides: dict[str, Any], param: str) -> None:
    with pytest.raises(BadRequest) as info:
        Settings.from_env({}, **overrides).check()
    assert info.value.param == param


def test_check_accepts_the_defaults_and_real_limits() -> None:
    Settings().check()
    Settings(rate_limit_search="60/minute", rate_limit_suggest="10/second;500/hour").check()


def test_every_setting_is_in_the_example_file_and_the_table() -> None:
    example = tomllib.loads((REPO / "deploy" / "newssearch.toml").read_text("utf-8"))
    names = [f.name for f in fields(Settings)]
    assert list(example) == names
    Settings.from_env({}, config_file=REPO / "deploy" / "newssearch.toml").check()
    table = settings_table()
    for name in names:
        assert f"| `{name}` | `{env_name(name)}` |" in table


def test_readme_table_is_generated_from_the_settings() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    assert settings_table() in readme, "README's configuration table is stale: paste `python -m newssearch.config`"

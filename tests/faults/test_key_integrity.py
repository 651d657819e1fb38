"""Issue 8, attack 6: the pseudonym key.

Before: deleting the key file silently generated a new one (months before and after then
shared no pseudonym), `LJD_PSEUDONYM_KEY=hunter2` was accepted, and no fingerprint was kept.
"""

from __future__ import annotations

import stat

import pytest
from typer.testing import CliRunner

from liangjiadi import lake
from liangjiadi.cli.main import app
from liangjiadi.config import Settings, reset_settings_cache
from liangjiadi.errors import ConfigError
from liangjiadi.ingest import ingest_paths
from liangjiadi.ingest.pseudonym import fingerprint

from . import crash_keys_helpers as h


def _settings(tmp_path, **kw):
    base = dict(workdir=tmp_path / "work", region_admdvs=h.REGION, duckdb_memory_limit="1GB",
                pseudonym_key_file=tmp_path / "home" / ".config" / "liangjiadi" / "pseudonym.key")
    base.update(kw)
    return Settings(**base)


def _files(tmp_path, period="2025-03", n=30):
    h.write_fixmedins(tmp_path / "in" / "fixmedins.csv")
    return h.write_setl(tmp_path / "in" / f"setl_d_{period}.csv", period, n, "S").parent


def _cli(args, **env):
    reset_settings_cache()
    try:
        return CliRunner().invoke(app, args, env={"COLUMNS": "200", **env})
    finally:
        reset_settings_cache()


def test_fresh_lake_creates_key_outside_workdir_and_records_fingerprint(tmp_path):
    s = _settings(tmp_path)
    rep = ingest_paths([_files(tmp_path)], s)
    keyfile = s.pseudonym_key_file
    assert keyfile.exists() and stat.S_IMODE(keyfile.stat().st_mode) == 0o600
    assert not keyfile.resolve().is_relative_to((tmp_path / "work").resolve())
    fp = fingerprint(keyfile.read_text().strip().encode())
    assert lake.recorded_key_fingerprint(s.workdir) == fp
    notes = " ".join(rep.notes)
    assert str(keyfile) in notes and fp in notes  # its place and fingerprint are told
    assert keyfile.read_text().strip() not in notes and keyfile.read_text().strip() not in (
        s.workdir / "lake" / lake.KEY_FINGERPRINT_FILE).read_text()


def test_deleted_key_file_is_refused_not_silently_replaced(tmp_path):
    s = _settings(tmp_path)
    ingest_paths([_files(tmp_path)], s)
    s.pseudonym_key_file.unlink()
    with pytest.raises(ConfigError) as exc:
        ingest_paths([_files(tmp_path, "2025-04")], s)
    assert exc.value.code == "key_missing" and "不会自动生成新密钥" in exc.value.message
    assert not s.pseudonym_key_file.exists()  # no silent new key
    assert "2025-04" not in h.month_rows(s.workdir)


def test_a_different_key_is_refused_with_both_fingerprints(tmp_path):
    s = _settings(tmp_path)
    ingest_paths([_files(tmp_path)], s)
    recorded = lake.recorded_key_fingerprint(s.workdir)
    other = "another-key-of-more-than-thirty-two-bytes!"
    with pytest.raises(ConfigError) as exc:
        ingest_paths([_files(tmp_path, "2025-04")], _settings(tmp_path, pseudonym_key=other))
    assert exc.value.code == "key_mismatch"
    assert recorded in exc.value.message and fingerprint(other.encode()) in exc.value.message
    assert other not in str(exc.value)


def test_same_key_keeps_pseudonyms_across_months(tmp_path):
    s = _settings(tmp_path)
    ingest_paths([_files(tmp_path)], s)
    ingest_paths([_files(tmp_path, "2025-04")], s)
    import duckdb

    shared = duckdb.connect().sql(f"SELECT count(DISTINCT psn_no) FROM read_parquet('{lake.table_glob(s.workdir, 'setl_d')}') "
                        "GROUP BY psn_no HAVING count(DISTINCT period) = 2").fetchall()
    assert len(shared) == 30


def test_a_lake_with_data_but_no_fingerprint_never_gets_a_new_key(tmp_path):
    s = _settings(tmp_path)
    ingest_paths([_files(tmp_path)], s)
    (s.workdir / "lake" / lake.KEY_FINGERPRINT_FILE).unlink()  # a lake from before fingerprints
    s.pseudonym_key_file.unlink()
    with pytest.raises(ConfigError, match="找不到假名化密钥"):
        ingest_paths([_files(tmp_path, "2025-04")], s)
    assert not s.pseudonym_key_file.exists()


@pytest.mark.parametrize("key", ["hunter2", "x" * 31])
def test_short_keys_are_refused(tmp_path, key):
    with pytest.raises(ConfigError) as exc:
        ingest_paths([_files(tmp_path)], _settings(tmp_path, pseudonym_key=key))
    assert exc.value.code == "key_too_short" and "32" in exc.value.message and key not in str(exc.value)
    keyfile = tmp_path / "short.key"
    keyfile.write_text("hunter2\n")
    with pytest.raises(ConfigError, match="至少需要 32 字节"):
        _settings(tmp_path, pseudonym_key_file=keyfile).resolve_pseudonym_key()


def test_short_key_refused_by_the_cli_in_chinese(tmp_path):
    result = _cli(["ingest", str(_files(tmp_path)), "-w", str(tmp_path / "work"), "--admdvs", h.REGION],
                  LJD_PSEUDONYM_KEY="hunter2")
    assert result.exit_code == 2 and "至少需要 32 字节" in result.output and "Traceback" not in result.output
    assert "hunter2" not in result.output


def test_key_file_inside_the_workdir_is_refused(tmp_path):
    s = _settings(tmp_path, pseudonym_key_file=tmp_path / "work" / "pseudonym.key")
    with pytest.raises(ConfigError, match="位于工作目录内"):
        ingest_paths([_files(tmp_path)], s)


def test_key_init_and_show_fingerprint(tmp_path):
    keyfile = tmp_path / "cfg" / "pseudonym.key"
    env = {"LJD_PSEUDONYM_KEY_FILE": str(keyfile)}
    work = tmp_path / "work"
    missing = _cli(["key", "show-fingerprint", "-w", str(work)], **env)
    assert missing.exit_code == 2 and "找不到假名化密钥文件" in missing.output
    made = _cli(["key", "init", "-w", str(work)], **env)
    assert made.exit_code == 0, made.output
    fp = fingerprint(keyfile.read_text().strip().encode())
    assert "已生成" in made.output and fp in made.output and str(keyfile) in made.output.replace("\n", "")
    assert keyfile.read_text().strip() not in made.output
    again = _cli(["key", "init", "-w", str(work)], **env)
    assert "未覆盖" in again.output and fingerprint(keyfile.read_text().strip().encode()) == fp
    ingest_paths([_files(tmp_path)], _settings(tmp_path, pseudonym_key_file=keyfile))
    shown = _cli(["key", "show-fingerprint", "-w", str(work)], **env)
    assert shown.exit_code == 0 and fp in shown.output and "一致" in shown.output
    other = _cli(["key", "show-fingerprint", "-w", str(work)], LJD_PSEUDONYM_KEY="z" * 40)
    assert other.exit_code == 1 and "不一致" in other.output and fp in other.output

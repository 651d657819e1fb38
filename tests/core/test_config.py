from pathlib import Path

from liangjiadi.config import Settings
from liangjiadi.errors import InputFileError, LjdError


def test_env_overrides_default(monkeypatch, tmp_path):
    monkeypatch.setenv("LJD_WORKDIR", str(tmp_path / "w"))
    monkeypatch.setenv("LJD_REGION_ADMDVS", "140400")
    s = Settings()
    assert s.workdir == tmp_path / "w"
    assert s.region_admdvs == "140400"


def test_toml_file_is_read(monkeypatch, tmp_path):
    cfg = tmp_path / "ljd.toml"
    cfg.write_text('region_admdvs = "370100"\ninpatient_med_types = ["21", "22"]\n'
                   '[extra_codes.med_type]\n"9901" = "门诊特殊病（地方）"\n', encoding="utf-8")
    monkeypatch.setenv("LJD_CONFIG", str(cfg))
    monkeypatch.delenv("LJD_REGION_ADMDVS", raising=False)
    s = Settings()
    assert s.region_admdvs == "370100"
    assert s.inpatient_med_types == ["21", "22"]
    assert s.extra_codes["med_type"]["9901"].startswith("门诊特殊病")


def test_env_beats_toml(monkeypatch, tmp_path):
    cfg = tmp_path / "ljd.toml"
    cfg.write_text('region_admdvs = "370100"\n', encoding="utf-8")
    monkeypatch.setenv("LJD_CONFIG", str(cfg))
    monkeypatch.setenv("LJD_REGION_ADMDVS", "140400")
    assert Settings().region_admdvs == "140400"


def test_pseudonym_key_file_created_outside_workdir(tmp_path):
    keyfile = tmp_path / "cfg" / "pseudonym.key"
    s = Settings(workdir=tmp_path / "work", pseudonym_key_file=keyfile)
    k1 = s.resolve_pseudonym_key()
    assert keyfile.exists() and len(k1) >= 32
    assert s.resolve_pseudonym_key() == k1  # stable across calls
    assert oct(keyfile.stat().st_mode)[-3:] == "600"
    assert not (tmp_path / "work").exists()


def test_explicit_key_wins(tmp_path):
    s = Settings(pseudonym_key="secret-key-that-is-at-least-32-bytes", pseudonym_key_file=tmp_path / "never")
    assert s.resolve_pseudonym_key() == b"secret-key-that-is-at-least-32-bytes"
    assert not (tmp_path / "never").exists()


def test_error_carries_code_message_and_hint():
    e = InputFileError(Path("a.csv"), "文件为空", "请检查导出", code="LJD-IN-EMPTY")
    text = str(e)
    assert "LJD-IN-EMPTY" in text and "a.csv" in text and "提示：请检查导出" in text
    assert isinstance(e, LjdError)

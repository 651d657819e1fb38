"""The region's rules file (yigongti.yaml): defaults, overrides, and Chinese refusals."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from liangjiadi.config import Settings
from liangjiadi.errors import DefinitionError
from liangjiadi.yigongti.rules import Rules, load_rules


def test_defaults_without_a_file(tmp_path):
    rules = load_rules(Settings(workdir=tmp_path))
    assert rules == Rules() and sum(rules.weights.values()) == 100


def test_workdir_file_overrides(tmp_path):
    (tmp_path / "yigongti.yaml").write_text(
        "risk_reserve_rate: 0.08\nweights: {'2-2': 12}\ntargets: {'2-2': 0.04, '2-4': 上年}\n"
        "grades:\n  - {name: 达标, min_score: 70, retain_share: 0.9, overspend_share: 0.4}\n"
        "  - {name: 不达标, min_score: 0, retain_share: 0.2, overspend_share: 0}\n", encoding="utf-8")
    rules = load_rules(Settings(workdir=tmp_path))
    assert rules.risk_reserve_rate == D("0.08") and rules.weights["2-2"] == 12
    assert rules.targets["2-2"] == "0.04" and rules.targets["2-4"] == "上年"
    assert rules.grade(D("75")).name == "达标" and rules.grade(D("10")).name == "不达标"
    assert rules.grade(None).name == "不达标"


@pytest.mark.parametrize("text, words", [
    ("risk_reserve_rate: 1.5\n", "0 与 1 之间"),
    ("weights: {'9-9': 3}\n", "不在附件指标"),
    ("surprise: 1\n", "未知的键"),
    ("targets: {'2-1': abc}\n", "不是数字"),
    ("grades: [{name: x}]\n", "须有"),
])
def test_bad_files_refused_in_chinese(tmp_path, text, words):
    (tmp_path / "yigongti.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError, match=words):
        load_rules(Settings(workdir=tmp_path))

"""The alert rules, checked by Prometheus's own rule tester (promtool)."""

import shutil
import subprocess
from pathlib import Path

import pytest

RULES_DIR = Path(__file__).resolve().parents[2] / "deploy" / "observability"


def _promtool() -> str:
    found = shutil.which("promtool")
    assert found, "promtool is installed by ./dev (Debian's prometheus package, unpacked into .tools/)"
    return found


def _run(*args: str, cwd: Path = RULES_DIR) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_promtool(), *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_alert_rules_are_valid() -> None:
    checked = _run("check", "rules", "alerts.yml")

    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_alert_rule_tests_pass_with_cases_that_fire_and_cases_that_stay_silent() -> None:
    tested = _run("test", "rules", "alerts.test.yml")

    assert tested.returncode == 0, tested.stdout + tested.stderr
    cases = (RULES_DIR / "alerts.test.yml").read_text()
    assert "exp_alerts: []" in cases  # silent cases are part of the suite


@pytest.mark.parametrize("wrong", ["exp_alerts: []\n"])
def test_the_rule_tester_catches_a_wrong_expectation(tmp_path: Path, wrong: str) -> None:
    """A guard that the tests above can fail: expecting silence where the rule fires."""
    shutil.copy(RULES_DIR / "alerts.yml", tmp_path / "alerts.yml")
    (tmp_path / "wrong.test.yml").write_text(
        "rule_files: [alerts.yml]\n"
        "evaluation_interval: 30s\n"
        "tests:\n"
        "  - interval: 30s\n"
        "    input_series:\n"
        '      - series: \'up{job="chorus-forums",instance="a"}\'\n'
        "        values: '0 0 0 0 0'\n"
        "    alert_rule_test:\n"
        "      - eval_time: 2m\n"
        "        alertname: ChorusForumsReplicaDown\n"
        f"        {wrong}"
    )

    assert _run("test", "rules", "wrong.test.yml", cwd=tmp_path).returncode != 0

"""The README stays true: every setting is documented, and the commands it names exist."""

from __future__ import annotations

from pathlib import Path

from dashboard.settings import SETTINGS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = [spec.env for spec in SETTINGS if f"`{spec.env}`" not in README]
    assert not missing, f"settings missing from README.md: {missing}"


def test_set_up_and_test_commands_are_in_the_readme() -> None:
    for command in ("pip install -r requirements.txt", "streamlit run Home.py", "\npytest\n"):
        assert command in README

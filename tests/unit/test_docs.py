"""docs/case-reference.md is generated from the schema and must be current."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_case_reference_is_current():
    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "gen_case_reference.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert (ROOT / "docs" / "case-reference.md").read_text(encoding="utf-8") == gen.render(), (
        "run: .venv/bin/python scripts/gen_case_reference.py")

"""Docs that cannot rot: the generated case reference, the guide's example, the quick start."""

import importlib.util
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_case_reference_is_current():
    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "gen_case_reference.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert (ROOT / "docs" / "case-reference.md").read_text(encoding="utf-8") == gen.render(), (
        "run: .venv/bin/python scripts/gen_case_reference.py")


def _code_blocks(path: Path, language: str) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def test_user_guide_case_is_valid():
    """The case written out in the user guide passes validation (docs that cannot rot)."""
    from pnp_ssb.preflight import load_case

    blocks = [b for b in _code_blocks(ROOT / "docs" / "user-guide.md", "toml")
              if b.startswith("name = ")]  # whole cases; the other blocks are fragments
    assert blocks, "docs/user-guide.md lost its example case"
    for block in blocks:
        case = load_case(tomllib.loads(block))
        assert [r.material for r in case.regions] == ["LLZO", "LiPON"]


def test_quick_start_is_two_commands():
    block = _code_blocks(ROOT / "README.md", "bash")[0]
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert commands[1] == "bash scripts/test.sh"
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")

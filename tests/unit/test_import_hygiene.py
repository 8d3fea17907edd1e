"""The core (data, policy, session) must import without Textual (STYLE.md)."""

import subprocess
import sys


def test_core_imports_without_textual() -> None:
    code = (
        "import sys, importlib, pkgutil\n"
        "import uwu_tui.session, uwu_tui.cli\n"
        "import uwu_tui.data, uwu_tui.policy\n"
        "for pkg in (uwu_tui.data, uwu_tui.policy):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'textual' or n.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"core imported Textual: {result.stdout}"


def test_screens_and_widgets_run_no_sql() -> None:
    import re
    from pathlib import Path

    import uwu_tui

    sql = re.compile(r"\.execute\(|\bSELECT\s|\bINSERT\s+INTO\b|\bimport sqlcipher3\b|\bfrom uwu_tui\.data\b")

    root = Path(uwu_tui.__file__).parent
    offenders = []
    for folder in ("screens", "widgets"):
        for path in (root / folder).rglob("*.py"):
            text = path.read_text("utf-8")
            if sql.search(text):
                offenders.append(path.name)
    assert offenders == []

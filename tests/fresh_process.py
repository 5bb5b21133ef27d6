"""What a fresh interpreter has imported after running some code: for the tests that keep
`import dbdiff` and a diff's start-up cheap."""

from __future__ import annotations

import json
import subprocess
import sys


def modules_after(code: str) -> set[str]:
    """The names in `sys.modules` once a fresh interpreter has run `code`."""
    script = f"{code}\nimport json as _json, sys as _sys\nprint(_json.dumps(sorted(_sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))

"""The example notebooks run top to bottom in a real Jupyter kernel (nbclient, kernel `python3`).

The `python3` kernelspec comes with ipykernel (in the dev extra): jupyter_client finds it without a
`python -m ipykernel install`. notebooks/mysql_to_postgresql.ipynb needs the servers and runs in
tests/integration/test_notebooks_servers.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SUMMARY_MIME = "application/vnd.dbdiff.summary+json"


def execute_notebook(path: Path, workdir: Path, timeout: int = 120) -> Any:
    """Run every cell of `path` in a fresh python3 kernel started in `workdir`; return the notebook."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=timeout,
        allow_errors=False,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    return notebook


def outputs(notebook: Any) -> list[dict[str, Any]]:
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]


def rich_outputs(notebook: Any) -> list[dict[str, Any]]:
    return [o for o in outputs(notebook) if o["output_type"] in ("execute_result", "display_data")]


@pytest.mark.parametrize("name", ["quickstart.ipynb", "mysql_to_postgresql.ipynb"])
def test_notebooks_are_stored_without_outputs(name: str) -> None:
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:80]


@pytest.mark.slow
def test_quickstart_runs_top_to_bottom(tmp_path: Path) -> None:
    notebook = execute_notebook(NOTEBOOKS / "quickstart.ipynb", tmp_path)
    assert not [o for o in outputs(notebook) if o["output_type"] == "error"]

    shown = rich_outputs(notebook)
    cards = [o for o in shown if SUMMARY_MIME in o["data"]]
    assert len(cards) == 1
    card = cards[0]["data"]
    assert card["text/plain"].startswith("<DiffResult different: orders: different")
    assert 'class="dbdiff-card' in card["text/html"] and "<script" not in card["text/html"]
    assert card[SUMMARY_MIME]["tables"][0]["summary"]["changed"] == 6

    frames = [o["data"]["text/html"] for o in shown if "<iframe srcdoc=" in o["data"].get("text/html", "")]
    assert len(frames) == 1 and 'sandbox="allow-scripts"' in frames[0]
    # polars frames rendered as HTML tables: the drill-down ran
    assert sum("shape: (" in o["data"].get("text/plain", "") for o in shown) >= 4

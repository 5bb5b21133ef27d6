"""The engine: plans a run, drives its chunk tasks on an executor, and assembles the result.

diff, validate and infer-schema share it: `planning` builds the plan of one or two `Side`s,
`tasks.run_chunk` is a pure function of one chunk, an `Executor` runs the tasks (a local thread
pool by default), and the driver (`runner`) merges their outcomes and alone writes the result
store. Memory stays bounded: at most `workers` chunks are in flight; every differing row goes to
the DuckDB store on disk, and only counts and capped samples stay in memory.
"""

from dbdiff.engine.executor import Executor, ThreadExecutor
from dbdiff.engine.planning import build_plan
from dbdiff.engine.runs import run_diff, run_infer, run_validate
from dbdiff.engine.side import Side

__all__ = ["Executor", "Side", "ThreadExecutor", "build_plan", "run_diff", "run_infer", "run_validate"]

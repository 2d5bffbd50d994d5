"""Mutation testing of the modules that hold the customer rules (``make mutate``).

Each mutant is one small change made by mutmut 2's operators (a flipped comparison, a
renamed key, a changed number, a value replaced by None, ...). It is written into a copy
of the repository and tested in a fresh pytest process, so values built at import time
(rule tables, compiled statements, Pydantic limits) carry the mutant and no ``lru_cache``
answers from an earlier test. Each mutant runs only the tests that cover its line, found
once by a coverage run with per-test contexts; a mutant on a line that runs at import time
runs the tests of its function (a ``def`` line) or of the module (a table, a decorator).

The score of a module is killed / (sampled - known equivalent). Known equivalent mutants
are listed with their reason in ``scripts/equivalent_mutants.toml``.

    .venv/bin/python scripts/mutate.py                # 40 sampled mutants per module
    .venv/bin/python scripts/mutate.py --all          # every mutant
    .venv/bin/python scripts/mutate.py --module src/patronage/types.py --sample 0
    .venv/bin/python scripts/mutate.py --match XXfirst_order_atXX   # chosen mutants only
"""

from __future__ import annotations

import argparse
import ast
import difflib
import functools
import json
import os
import queue
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "var" / "mutate"
EQUIVALENTS = REPO / "scripts" / "equivalent_mutants.toml"
MODULES = (
    "src/patronage/types.py",
    "src/patronage/customers/rules.py",
    "src/patronage/customers/filters.py",
    "src/patronage/events/derived.py",
)
TARGET = 85.0
# Tests that read declarations without running their lines (the API document is built from
# field descriptions and defaults): run for every mutant on an import-time line.
DECLARATION_TESTS = ("tests/test_openapi_document.py",)
COPY_IGNORE = shutil.ignore_patterns(".venv", ".git", "var", "node_modules", ".coverage*",
                                     "__pycache__", ".hypothesis", "screenshots", "*.db*")


@dataclass
class Mutant:
    module: str
    number: int  # position in mutmut's list for the module
    line: int  # 1-based
    change: str  # "old → new", first changed line of each side, stripped
    source: str = field(repr=False)
    tests: list[str] = field(default_factory=list, repr=False)
    why_tests: str = ""
    status: str = "pending"  # killed, survived, timeout, equivalent, error
    seconds: float = 0.0
    equivalent_reason: str = ""


# --- mutants -------------------------------------------------------------------------

def mutants_of(module: str, original: str) -> list[Mutant]:
    from mutmut import Context, list_mutations, mutate

    path = REPO / module
    out = []
    for number, mid in enumerate(list_mutations(Context(source=original, filename=str(path)))):
        mutated, _ = mutate(Context(source=original, mutation_id=mid, filename=str(path)))
        out.append(Mutant(module, number, mid.line_number + 1, _change(original, mutated),
                          mutated))
    return out


def _change(before: str, after: str) -> str:
    diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="",
                                     n=0))
    old = next((d[1:].strip() for d in diff if d.startswith("-") and not d.startswith("---")),
               "")
    new = next((d[1:].strip() for d in diff if d.startswith("+") and not d.startswith("+++")),
               "(deleted)")
    return f"{old} → {new}"


def load_equivalents() -> dict[tuple[str, str], str]:
    data = tomllib.loads(EQUIVALENTS.read_text()) if EQUIVALENTS.exists() else {}
    return {(e["module"], e["change"]): e["reason"] for e in data.get("equivalent", [])}


# --- which tests cover which line ----------------------------------------------------

def coverage_map(tree: Path, modules: Iterable[str]) -> tuple[dict[str, dict[int, set[str]]],
                                                              dict[str, float]]:
    """Run the suite once in ``tree`` under coverage with per-test contexts; return, per
    module, the tests that ran each line, and each test's duration (seconds)."""
    data_file = WORK / ".coverage"
    data_file.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "pytest", "-n", "2", "-m", "not browser", "-q",
           "-p", "no:cacheprovider", "--cov=patronage", "--cov-context=test",
           "--cov-report=", "--durations=0", "-vv"]
    print("Coverage run (the whole suite, once) ...", flush=True)
    started = time.monotonic()
    run = subprocess.run(cmd, cwd=tree, capture_output=True, text=True,
                         env=_env(tree) | {"COVERAGE_FILE": str(data_file)})
    if run.returncode != 0:
        sys.exit("The suite fails without mutants; fix it first:\n" + run.stdout[-3000:])
    print(f"  {time.monotonic() - started:.0f} s", flush=True)
    durations: dict[str, float] = {}
    for match in re.finditer(r"^([\d.]+)s (?:setup|call|teardown)\s+(\S.*)$", run.stdout,
                             re.MULTILINE):
        durations[match[2]] = durations.get(match[2], 0.0) + float(match[1])

    from coverage import CoverageData

    data = CoverageData(str(data_file))
    data.read()
    out: dict[str, dict[int, set[str]]] = {}
    for module in modules:
        lines = data.contexts_by_lineno(str(tree / module))
        out[module] = {n: {c.rsplit("|", 1)[0] for c in ctxs if c} for n, ctxs in lines.items()}
    return out, durations


def _enclosing_functions(source: str) -> list[tuple[int, int, int]]:
    """(``def`` line, body start, end) of every function. Decorators are left out: what
    they change (a cache, say) can be seen by code that runs elsewhere, such as the
    import's worker processes, whose lines coverage does not attribute to a test; their
    mutants run the module's tests."""
    spans = []
    for node in ast.walk(_parsed(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            spans.append((node.lineno, node.body[0].lineno, node.end_lineno or node.lineno))
    return spans


def select_tests(mutant: Mutant, lines: dict[int, set[str]], source: str) -> None:
    """The tests that run the mutated line; for import-time lines, those of the function
    the line declares, or of the whole module."""
    text = source.splitlines()
    changed = [n for n in _changed_lines(source, mutant.source)
               if n <= len(text) and text[n - 1].strip()
               and not text[n - 1].lstrip().startswith("#")]
    # Coverage may record a statement that spans lines at its first line only.
    starts = sorted({_statement_start(source, n) for n in changed})
    tests = set().union(*(lines.get(n, set()) for n in {*changed, *starts}))
    if tests:
        mutant.tests, mutant.why_tests = sorted(tests), "cover the line"
        return
    changed = starts
    executed_at_import = all(n in lines for n in starts)
    if not executed_at_import:
        mutant.why_tests = "no test runs this line"
        return
    for header, body, end in _enclosing_functions(source):
        if changed and header <= changed[0] < body:  # a def line or its defaults
            tests = set().union(*(lines.get(n, set()) for n in range(body, end + 1)))
            mutant.tests, mutant.why_tests = sorted(tests), "cover the function"
            return
        if changed and body <= changed[0] <= end:  # a nested def inside a covered function
            break
    tests = set().union(*lines.values(), DECLARATION_TESTS)
    mutant.tests, mutant.why_tests = sorted(tests), "cover the module (import-time line)"


def _statement_start(source: str, line: int) -> int:
    """The first line of the simple statement (one without a body) that holds ``line``."""
    for node in ast.walk(_parsed(source)):
        if (isinstance(node, ast.stmt) and not hasattr(node, "body")
                and node.lineno <= line <= (node.end_lineno or node.lineno)):
            return node.lineno
    return line


@functools.cache
def _parsed(source: str) -> ast.Module:
    return ast.parse(source)


def _changed_lines(before: str, after: str) -> list[int]:
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(),
                                      autojunk=False)
    out = [n + 1 for tag, i1, i2, _, _ in matcher.get_opcodes() if tag != "equal"
           for n in range(i1, max(i2, i1 + 1))]
    return out


# --- running -------------------------------------------------------------------------

def make_workers(jobs: int) -> list[Path]:
    """Copies of the repository, one per job, taken once: the run tests this snapshot
    whatever is edited meanwhile."""
    workers = []
    for i in range(jobs):
        target = WORK / f"worker{i}"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(REPO, target, ignore=COPY_IGNORE)
        found = subprocess.run(
            [sys.executable, "-c", "import patronage; print(patronage.__file__)"],
            cwd=target, env=_env(target), capture_output=True, text=True)
        if not found.stdout.strip().startswith(str(target)):
            sys.exit(f"The worker copy is not the one imported: {found.stdout}{found.stderr}")
        workers.append(target)
    return workers


def _env(worker: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COVERAGE_FILE")}
    return env | {"PYTHONPATH": str(worker / "src"), "PYTHONDONTWRITEBYTECODE": "1",
                  "TMPDIR": tempfile.gettempdir()}


def run_mutant(mutant: Mutant, workers: queue.Queue[Path],
               durations: dict[str, float]) -> Mutant:
    if not mutant.tests:
        mutant.status = "survived"
        return mutant
    tests = sorted(mutant.tests, key=lambda t: (durations.get(t, 1.0), t))
    budget = 60 + 10 * sum(durations.get(t, 1.0) for t in tests)
    worker = workers.get()
    target = worker / mutant.module
    original = target.read_text()
    started = time.monotonic()
    try:
        target.write_text(mutant.source)
        run = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p",
                              "no:cacheprovider", *tests], cwd=worker, env=_env(worker),
                             capture_output=True, text=True, timeout=budget)
        # 0 passed: survived; 1 a test failed, 2 collection broke (the mutant cannot even be
        # imported), 3 internal error: killed; 4 and 5 mean the runner asked for bad tests.
        mutant.status = {0: "survived", 1: "killed", 2: "killed", 3: "killed"}.get(
            run.returncode, "error")
        if run.returncode == 4 and re.search(r"^ERROR tests/", run.stdout, re.MULTILINE):
            mutant.status = "killed"  # a test module cannot be imported with the mutant
        if mutant.status == "error":
            mutant.why_tests += f" (pytest exit {run.returncode}: {run.stdout[-500:]})"
    except subprocess.TimeoutExpired:
        mutant.status = "timeout"
    finally:
        target.write_text(original)
        mutant.seconds = time.monotonic() - started
        workers.put(worker)
    return mutant


# --- main ----------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", help="module path (repeatable)")
    parser.add_argument("--sample", type=int, default=40,
                        help="mutants per module, drawn at random (0 or --all: every one)")
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--match", action="append",
                        help="only the mutants whose change contains this text (repeatable)")
    parser.add_argument("--seed", default="patronage", help="sampling seed")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--fail-under", type=float, default=TARGET)
    args = parser.parse_args()
    modules = tuple(args.module or MODULES)
    started = time.monotonic()

    WORK.mkdir(parents=True, exist_ok=True)
    trees = make_workers(args.jobs)
    sources = {m: (trees[0] / m).read_text() for m in modules}
    equivalents = load_equivalents()
    chosen: list[Mutant] = []
    known: list[Mutant] = []
    counts: dict[str, int] = {}
    for module in modules:
        every = mutants_of(module, sources[module])
        counts[module] = len(every)
        for m in every:
            if (module, m.change) in equivalents:
                m.status, m.equivalent_reason = "equivalent", equivalents[(module, m.change)]
                known.append(m)
        pool = [m for m in every if m.status != "equivalent"]
        if args.match:
            pool = [m for m in pool if any(text in m.change for text in args.match)]
        elif not args.all and args.sample and len(pool) > args.sample:
            pool = sorted(random.Random(f"{args.seed}:{module}").sample(pool, args.sample),
                          key=lambda m: m.number)
        chosen.extend(pool)

    lines, durations = coverage_map(trees[0], modules)
    for mutant in chosen:
        select_tests(mutant, lines[mutant.module], sources[mutant.module])

    print(f"Running {len(chosen)} mutants on {args.jobs} workers ...", flush=True)
    workers: queue.Queue[Path] = queue.Queue()
    for tree in trees:
        workers.put(tree)
    done = 0
    with ThreadPoolExecutor(args.jobs) as pool:
        for mutant in pool.map(lambda m: run_mutant(m, workers, durations), chosen):
            done += 1
            if mutant.status in ("survived", "error"):
                print(f"  {mutant.status}: {mutant.module.removeprefix('src/')}:{mutant.line} "
                      f"{mutant.change}", flush=True)
            if done % 10 == 0 or done == len(chosen):
                print(f"  {done}/{len(chosen)}  {time.monotonic() - started:.0f} s", flush=True)

    return report(modules, counts, chosen, known, args.fail_under,
                  time.monotonic() - started)


def report(modules: tuple[str, ...], counts: dict[str, int], chosen: list[Mutant],
           known: list[Mutant], fail_under: float, seconds: float) -> int:
    print(f"\n{'module':<36} {'mutants':>7} {'run':>4} {'killed':>6} {'survived':>8} "
          f"{'equiv.':>6} {'score':>6}")
    failed = False
    for module in modules:
        mine = [m for m in chosen if m.module == module]
        killed = sum(m.status in ("killed", "timeout") for m in mine)
        survived = sum(m.status == "survived" for m in mine)
        errors = sum(m.status == "error" for m in mine)
        score = 100.0 * killed / len(mine) if mine else 100.0
        failed |= score < fail_under or errors > 0
        equivalent = sum(m.module == module for m in known)
        print(f"{module.removeprefix('src/'):<36} {counts[module]:>7} {len(mine):>4} "
              f"{killed:>6} {survived:>8} {equivalent:>6} {score:>5.1f}%"
              + (f"  ({errors} errors)" if errors else ""))
    survivors = [m for m in chosen if m.status in ("survived", "error")]
    if survivors:
        print("\nSurvivors (a change no test notices):")
        for m in survivors:
            print(f"  {m.module.removeprefix('src/')}:{m.line} #{m.number} [{m.status}] "
                  f"{m.change}\n      {len(m.tests)} tests, {m.why_tests}")
    if known:
        print("\nKnown equivalent mutants (scripts/equivalent_mutants.toml), not scored:")
        for m in known:
            print(f"  {m.module.removeprefix('src/')}:{m.line} {m.change}\n"
                  f"      {m.equivalent_reason}")
    print(f"\n{seconds:.0f} s; target {fail_under:.0f} % per module.")
    (WORK / "report.json").write_text(json.dumps(
        [asdict(m) | {"source": None, "tests": len(m.tests)} for m in chosen + known],
        indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

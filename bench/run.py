"""The benchmark of issue 2, section 4, as one table: `python -m bench.run` (or `make bench`).

    python -m bench.run                  sections a, b, c and d in full (a few minutes at most)
    python -m bench.run --only a,b       some sections only
    python -m bench.run --quick          smaller sizes and fewer instances, for development
"""

import argparse
import importlib
import inspect
import os
import platform
import sys
import time

SECTIONS = ("a", "b", "c", "d")
RULE = "=" * 100


def _case_c():
    """bench.case_c, or None while another change has not added it yet."""
    try:
        return importlib.import_module("bench.case_c")
    except ImportError as error:
        if getattr(error, "name", None) == "bench.case_c":
            return None
        raise


def _call_run(module, quick):
    """module.run(), passing quick=True only to a run() that takes it."""
    if quick and "quick" in inspect.signature(module.run).parameters:
        return module.run(quick=True)
    return module.run()


def section(name, quick):
    """The text of one section, with how long it took."""
    start = time.perf_counter()
    if name == "c":
        module = _case_c()
        if module is None:
            return "(c) skipped: bench/case_c.py is not there yet"
    else:
        module = importlib.import_module("bench.case_%s" % name)
    text = module.table(_call_run(module, quick))
    return "%s\n    [section %s took %.1f s]" % (text, name, time.perf_counter() - start)


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help="comma-separated sections to run, of a,b,c,d (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for development")
    args = parser.parse_args(argv)
    args.only = [s.strip().lower() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in args.only if s not in SECTIONS]
    if unknown:
        parser.error("unknown section(s) %s; choose from %s" % (", ".join(unknown), ",".join(SECTIONS)))
    return args


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    start = time.perf_counter()
    print(RULE)
    print("vmfleet.maintenance placement benchmark%s - Python %s on %s, %s CPU(s)"
          % (" (quick)" if args.quick else "", platform.python_version(), platform.machine(), os.cpu_count()))
    for name in SECTIONS:
        if name in args.only:
            print(RULE)
            print(section(name, args.quick))
            sys.stdout.flush()
    print(RULE)
    print("total %.1f s" % (time.perf_counter() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: MIT
# pyunit.py - runs modules of python3's own regression suite and prints one
# line per test with its outcome, then the totals: no timings, no addresses,
# so two runs of the same interpreter print the same bytes.
import sys
import unittest


class Result(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.lines = []


# The outcome each of unittest's callbacks records, one line per test.
OUTCOMES = (
    ("addSuccess", "ok"),
    ("addFailure", "FAIL"),
    ("addError", "ERROR"),
    ("addSkip", "skipped"),
    ("addExpectedFailure", "expected-failure"),
    ("addUnexpectedSuccess", "unexpected-success"),
)


def _recorder(callback, word):
    def record(self, test, *args):
        getattr(unittest.TestResult, callback)(self, test, *args)
        self.lines.append("%s %s" % (test.id(), word))
    return record


for _callback, _word in OUTCOMES:
    setattr(Result, _callback, _recorder(_callback, _word))


def main(names):
    loader = unittest.TestLoader()
    bad = 0
    for name in names:
        suite = loader.loadTestsFromName("test." + name)
        result = Result()
        suite.run(result)
        for line in sorted(result.lines):
            print(line)
        print("%s: %d run, %d failures, %d errors, %d skipped" %
              (name, result.testsRun, len(result.failures), len(result.errors),
               len(result.skipped)))
        bad += len(result.failures) + len(result.errors)
    sys.stdout.flush()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

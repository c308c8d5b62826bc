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

    def _add(self, test, what):
        self.lines.append("%s %s" % (test.id(), what))

    def addSuccess(self, test):
        super().addSuccess(test)
        self._add(test, "ok")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._add(test, "FAIL")

    def addError(self, test, err):
        super().addError(test, err)
        self._add(test, "ERROR")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._add(test, "skipped")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._add(test, "expected-failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._add(test, "unexpected-success")


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

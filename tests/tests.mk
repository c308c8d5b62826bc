# tests: see below

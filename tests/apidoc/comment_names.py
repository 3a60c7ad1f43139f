#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every csctp_* / CSCTP_* name that a comment of the public headers mentions is declared in
them (a function, type, macro, field or enumerator), so that no comment points to a getter
or constant that does not exist. Prefixes ending in "_" (csctp_dc_*, CSCTP_ERR_) must start
some declared name.
  comment_names.py HEADER...        exit 1 and one line per stale name, else 0"""
import re
import sys

# Names that are not C identifiers of the API: environment variables.
NOT_DECLARED = {"CSCTP_DEBUG", "CSCTP_CAPTURE"}

code, refs = set(), []
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    pos = 0
    for m in re.finditer(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"', text, re.S):
        code.update(re.findall(r"\w+", text[pos:m.start()]))
        pos = m.end()
        if m.group(0).startswith('"'):
            continue
        first = text.count("\n", 0, m.start()) + 1
        for r in re.finditer(r"\b(?:csctp|CSCTP)_\w*", m.group(0)):
            refs.append((path, first + m.group(0).count("\n", 0, r.start()), r.group(0)))
    code.update(re.findall(r"\w+", text[pos:]))

bad = 0
for path, line, name in refs:
    if name in code or name in NOT_DECLARED:
        continue
    if name.endswith("_") and any(w.startswith(name) for w in code):
        continue
    print(f"{path}:{line}: comment names {name}, which no public header declares")
    bad += 1
sys.exit(1 if bad else 0)

#!/usr/bin/env bash
# Hygiene checks over src/ (run by `make check` as the suite "lint"):
#  1. banned functions: sprintf vsprintf strcpy strcat gets strncpy strncat
#     stpcpy strtok tmpnam mktemp alloca — use snprintf / strbuf / memcpy with
#     a known size / strtok_r / mkstemp instead;
#  2. SQL text built at run time (see docs/OPERATIONS.md, "SQL convention"):
#     a printf-style call (sb_printf, snprintf, …) whose format holds SQL
#     (AND, OR, SELECT, INSERT INTO, UPDATE … SET, DELETE FROM, WHERE, ORDER BY, JOIN,
#     MATCH) and a % conversion may appear only in the SQL builders listed in
#     SQL_BUILDERS below, and each value it formats in must be an identifier
#     from a static descriptor (…table, …fts_table, …sql_cols, …column,
#     …column2), a local named column / sort_col / order_col / pred / op / rank (set only from those,
#     rank: a record type's place in the registry,
#     or from authz's constant predicates), a where-buffer (sb_str(&…where))
#     or a choice between string literals (cond ? " DESC" : ""). Everything
#     the client sends is bound with db_bind_*;
#  3. the build keeps -Werror.
# Prints one line per check and, last, "N passed, N failed".
# LINT_ROOT runs it over another tree (tests/lint/fixture, whose every rule
# is broken on purpose: check.sh runs that first, so a checker that stopped
# seeing violations fails too).
set -uo pipefail
cd "$(dirname "$0")/.."
[ -n "${LINT_ROOT:-}" ] && cd "$LINT_ROOT"
python3 - "$@" <<'PY'
import re, sys, glob, os

SQL_BUILDERS = {'src/api/resource.c', 'src/api/res_query.c', 'src/io/export.c', 'src/domain/import.c', 'src/api/audit.c',
                'src/analytics/service.c', 'src/api/parties.c', 'src/http/authz.c'}
BANNED = ['sprintf', 'vsprintf', 'strcpy', 'strcat', 'gets', 'strncpy', 'strncat', 'stpcpy', 'strtok',
          'tmpnam', 'mktemp', 'alloca']
SQL_RE = re.compile(r'\b(AND|OR|SELECT|INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM|WHERE|ORDER\s+BY|JOIN|MATCH)\b')
FMT_POS = {'sb_printf': 1, 'snprintf': 2, 'vsnprintf': 2, 'asprintf': 1, 'dprintf': 1}
ALLOWED_ARG = [
    re.compile(r'^[\w\->.\[\]\s]*(->|\.)(table|fts_table|sql_cols|column|column2)$'),
    re.compile(r'^xf->sql$'),   # a list_filter's constant fragment (struct list_filter.sql)
    re.compile(r'^(column|sort_col|order_col|pred|op|rank)$'),
    re.compile(r'^sb_str\(&[\w.\->]*where\)$'),
]

def strip_comments(text):
    """Blanks comments, keeping string/char literals and line numbers."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            out.append(text[i:j + 1]); i = j + 1
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2); j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j])); i = j
        elif text.startswith('//', i):
            j = text.find('\n', i); j = n if j < 0 else j
            out.append(' ' * (j - i)); i = j
        else:
            out.append(c); i += 1
    return ''.join(out)

def blank_strings(text):
    # Same length as text (quotes kept, contents blanked), so an offset
    # found in the blanked code is the same offset in text.
    return re.sub(r'"(\\.|[^"\\])*"|\'(\\.|[^\'\\])*\'',
                  lambda m: m.group(0)[0] + ' ' * (len(m.group(0)) - 2) + m.group(0)[0], text)

def call_args(text, start):
    """Top-level arguments of the call whose '(' is at start; and the end."""
    depth, i, args, cur = 0, start, [], []
    while i < len(text):
        c = text[i]
        if c in '"\'':
            j = i + 1
            while j < len(text) and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            cur.append(text[i:j + 1]); i = j + 1; continue
        if c == '(':
            depth += 1
            if depth == 1: i += 1; continue
        elif c == ')':
            depth -= 1
            if depth == 0:
                args.append(''.join(cur).strip()); return args, i
        elif c == ',' and depth == 1:
            args.append(''.join(cur).strip()); cur = []; i += 1; continue
        cur.append(c); i += 1
    return args, i

def literal_text(arg):
    parts = re.findall(r'"((?:\\.|[^"\\])*)"', arg)
    rest = re.sub(r'"(\\.|[^"\\])*"', '', arg).strip()
    return ''.join(parts) if parts and not rest else None

def literal_choice(arg):
    """cond ? "a" : "b" (nested, parenthesised): every branch a literal."""
    code = blank_strings(arg)
    if '?' not in code: return False
    for m in re.finditer(r'[?:]', code):
        nxt = code[m.end():].lstrip()
        if not (nxt.startswith('"') or nxt.startswith('(')): return False
    return True

files = sorted(glob.glob('src/**/*.c', recursive=True) + glob.glob('src/**/*.h', recursive=True))
banned_hits, sql_hits = [], []
for path in files:
    text = strip_comments(open(path, encoding='utf-8', errors='replace').read())
    code = blank_strings(text)
    for m in re.finditer(r'\b(' + '|'.join(BANNED) + r')\s*\(', code):
        before = code[max(0, m.start() - 1):m.start()]
        if before in ('.', '>') or re.match(r'[\w]', before or ' '): continue
        banned_hits.append(f'{path}:{code.count(chr(10), 0, m.start()) + 1}: {m.group(1)}()')
    for m in re.finditer(r'\b(' + '|'.join(FMT_POS) + r')\s*\(', code):
        args, _ = call_args(text, m.end() - 1)
        pos = FMT_POS[m.group(1)]
        if len(args) <= pos: continue
        fmt = literal_text(args[pos])
        if fmt is None or not SQL_RE.search(fmt): continue
        convs = [c for c in re.findall(r'%[-+ #0-9.*]*[a-zA-Z%]', fmt) if c != '%%']
        if not convs: continue
        line = code.count('\n', 0, m.start()) + 1
        if path not in SQL_BUILDERS:
            sql_hits.append(f'{path}:{line}: SQL text built with {m.group(1)} outside the SQL builders ({", ".join(sorted(SQL_BUILDERS))})')
            continue
        for a in args[pos + 1:]:
            a1 = ' '.join(a.split())
            if literal_text(a1) is not None or literal_choice(a1) or any(r.match(a1) for r in ALLOWED_ARG): continue
            sql_hits.append(f'{path}:{line}: {m.group(1)} formats "{a1}" into SQL text; only descriptor identifiers and literal choices may be (bind values instead)')

passed = failed = 0
def report(name, hits):
    global passed, failed
    if hits:
        failed += 1
        print(f'  {name:<22} FAILED')
        for h in hits: print('      ' + h)
    else:
        passed += 1
        print(f'  {name:<22} ok')

report('banned functions', banned_hits)
report('run-time SQL', sql_hits)
mk = open('Makefile').read()
report('-Werror', [] if re.search(r'^WARN\s*:=.*-Werror', mk, re.M) else ['Makefile: WARN lost -Werror'])
print(f'{passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
PY

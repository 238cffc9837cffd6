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
#     …column2), a local named column / sort_col / order_col / pred / op / fts_table / rank (set only
#     from those; rank: a record type's place in the registry,
#     or from authz's constant predicates), a where-buffer (sb_str(&…where))
#     or a choice between string literals (cond ? " DESC" : ""). Everything
#     the client sends is bound with db_bind_*;
#  3. portable SQL (issue 17): the SQL in C sources outside src/db/ is
#     spelled so that PostgreSQL runs it too; what only SQLite understands
#     lives behind the driver (db.h). Refused in string literals there
#     (adjacent literals joined as C joins them): INSERT OR …/REPLACE INTO
#     (write INSERT … ON CONFLICT … DO UPDATE/NOTHING), json_*()
#     (db_sql_json_*), MATCH (db_search_condition), strftime/datetime/
#     julianday/unixepoch/'now' (bind the time from C: now_text), PRAGMA (a
#     db.h call: db_cache_size …), ?NNN numbered parameters (plain ?, bind a
#     value twice), collation_key() (db_sql_sort_key_param), sqlite_* names,
#     GLOB, IFNULL/iif (COALESCE/CASE), group_concat, typeof(), LIMIT -1,
#     rowid/oid, a bare 0/1 as a condition (AND 0: write 1 = 0), BEGIN
#     IMMEDIATE/DEFERRED/EXCLUSIVE (db_begin_write), INDEXED BY, COLLATE
#     NOCASE, scalar min()/max() of several arguments (CASE),
#     last_insert_rowid()/changes() (db_last_insert_id/db_changes), hex()/
#     zeroblob()/randomblob()/printf()/instr() as SQL functions. Words that
#     also occur in prose (rowid, GLOB, min/max, hex …) are checked only in
#     literals that read as SQL (an upper-case SQL keyword).
#     PORTABLE_SQL_EXCEPTIONS lists files still allowed a rule, counted in
#     the check's line; it is empty: keep it so;
#  4. migrations: src/db/migrations/DIALECT/NNN_name.sql, numbered 001, 002 …
#     without a gap in SQLite's directory (the reference; migration N is the
#     same change on every engine). postgres/ holds only the migrations the
#     mechanical translation (src/db/pg_migrate.c) cannot make, named as
#     SQLite's of the same number; a SQLite migration that uses something in
#     src/db/pg_untranslatable.def without one fails here, naming the file
#     to write;
#  5. the build keeps -Werror.
# Prints one line per check and, last, "N passed, N failed".
# LINT_ROOT runs it over another tree (tests/lint/fixture, whose every rule
# is broken on purpose: check.sh runs that first, so a checker that stopped
# seeing violations fails too).
set -uo pipefail
cd "$(dirname "$0")/.."
[ -n "${LINT_ROOT:-}" ] && cd "$LINT_ROOT"
python3 - "$@" <<'PY'
import re, sys, glob, os

SQL_BUILDERS = {'src/api/resource.c', 'src/api/res_query.c', 'src/io/export.c', 'src/api/audit.c',
                'src/analytics/service_answers.c', 'src/db/sql_sqlite.c', 'src/api/parties.c', 'src/http/authz.c',
                'src/db/sql_pg.c', 'src/db/db_pg.c',
                # COPY / INSERT … SELECT from the table and column names of the driver's own INSERT texts
                'src/db/pg_bulk.c'}
BANNED = ['sprintf', 'vsprintf', 'strcpy', 'strcat', 'gets', 'strncpy', 'strncat', 'stpcpy', 'strtok',
          'tmpnam', 'mktemp', 'alloca']
SQL_RE = re.compile(r'\b(AND|OR|SELECT|INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM|WHERE|ORDER\s+BY|JOIN|MATCH)\b')
FMT_POS = {'sb_printf': 1, 'snprintf': 2, 'vsnprintf': 2, 'asprintf': 1, 'dprintf': 1}
ALLOWED_ARG = [
    re.compile(r'^[\w\->.\[\]\s]*(->|\.)(table|fts_table|sql_cols|column|column2)$'),
    re.compile(r'^xf->sql$'),   # a list_filter's constant fragment (struct list_filter.sql)
    re.compile(r'^(column|sort_col|order_col|pred|op|fts_table|rank)$'),
    re.compile(r'^sb_str\(&[\w.\->]*where\)$'),
    re.compile(r'^bulk_(table|cols|conflict|stage|block)$'),   # pg_bulk.c: from the driver's own INSERT texts
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

# ---- 3. portable SQL ----
# (rule, pattern, checked only in literals that read as SQL, what to do instead)
PORTABLE_RULES = [
    ('INSERT OR', r'\bINSERT\s+OR\s+(REPLACE|IGNORE|ABORT|FAIL|ROLLBACK)\b|\bREPLACE\s+INTO\b', False,
     'INSERT ... ON CONFLICT (...) DO UPDATE SET ... / DO NOTHING'),
    ('JSON function', r'\bjson_\w+\s*\(', False, 'db_sql_json_list_has / db_sql_json_scalar_eq, or parse in C'),
    ('MATCH', r'\bMATCH\b', False, 'db_search_condition'),
    ('time function', r"\b(strftime|datetime|julianday|unixepoch)\s*\(|'now'", False, 'bind the time from C (now_text)'),
    ('PRAGMA', r'\bPRAGMA\b', False, 'a db.h call (db_cache_size, db_integrity_check ...)'),
    ('numbered parameter', r'\?\d', False, 'plain ? and bind the value again'),
    ('collation_key', r'\bcollation_key\s*\(', False, 'db_sql_sort_key_param'),
    ('sqlite_ name', r'\bsqlite_\w+', False, 'a db.h call'),
    ('GLOB', r'\bGLOB\b', True, 'LIKE'),
    ('IFNULL/iif', r'\b(ifnull|IFNULL|iif|IIF)\s*\(', True, 'COALESCE / CASE'),
    ('group_concat', r'\bgroup_concat\s*\(', True, 'read the rows and join them in C'),
    ('typeof', r'\btypeof\s*\(', True, 'db_column_type'),
    ('LIMIT -1', r'\bLIMIT\s+-1\b', True, 'leave LIMIT out'),
    ('rowid', r'\b(rowid|ROWID|_rowid_|oid)\b', True, 'the id column'),
    ('integer condition', r'\b(AND|OR|WHERE|ON|WHEN)\s+[01]\b(?!\s*[=<>!])', True, '1 = 1 / 1 = 0'),
    ('BEGIN mode', r'\bBEGIN\s+(IMMEDIATE|DEFERRED|EXCLUSIVE)\b', True, 'db_begin_write / db_begin_read'),
    ('INDEXED BY', r'\bINDEXED\s+BY\b|\bNOT\s+INDEXED\b', True, 'let the planner choose'),
    ('COLLATE NOCASE', r'\bCOLLATE\s+(NOCASE|RTRIM)\b', True, 'compare a normalised column'),
    ('scalar min/max', r'\b(min|max|MIN|MAX)\s*\([^()]*,', True, 'CASE WHEN a < b THEN a ELSE b END'),
    ('SQLite function', r'\b(last_insert_rowid|changes|total_changes|hex|zeroblob|randomblob|printf|instr)\s*\(', True,
     'db_last_insert_id / db_changes, or do it in C'),
]
SQL_WORDS = re.compile(r'\b(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|DROP|ALTER|VALUES|WHERE|FROM|SET|JOIN|AND|OR|'
                       r'ORDER BY|GROUP BY|LIMIT|ON CONFLICT|BEGIN|COMMIT|SAVEPOINT|RELEASE|ROLLBACK)\b')
# Files still allowed a rule while their owner moves it behind the driver:
# {path: {rule, ...}}; whoever adds an entry removes it. None today.
PORTABLE_SQL_EXCEPTIONS = {}

def string_runs(text):
    """Adjacent string literals joined as C joins them, each with its line."""
    runs, prev_end = [], None
    for m in re.finditer(r'"((?:\\.|[^"\\\n])*)"', text):
        if prev_end is not None and not text[prev_end:m.start()].strip():
            runs[-1][1] += m.group(1)
        else:
            runs.append([text.count('\n', 0, m.start()) + 1, m.group(1)])
        prev_end = m.end()
    return runs

portable_hits, excepted = [], 0
for path in files:
    if path.startswith('src/db/'): continue
    text = strip_comments(open(path, encoding='utf-8', errors='replace').read())
    for line, s in string_runs(text):
        sqlish = bool(SQL_WORDS.search(s))
        for name, pat, needs_sql, instead in PORTABLE_RULES:
            if (needs_sql and not sqlish) or not re.search(pat, s): continue
            if name in PORTABLE_SQL_EXCEPTIONS.get(path, ()):
                excepted += 1
                continue
            portable_hits.append(f'{path}:{line}: {name}: SQLite-only SQL outside src/db/ (instead: {instead})')

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
report(f'portable SQL ({sum(len(v) for v in PORTABLE_SQL_EXCEPTIONS.values())} exc)', portable_hits)
mig_hits, mig_sets = [], {}
mig_names = {}
for d in sorted(glob.glob('src/db/migrations/*/')):
    dialect = os.path.basename(d.rstrip('/'))
    nums = []
    for f in sorted(os.listdir(d)):
        m = re.match(r'^(\d{3})_[a-z0-9_]+\.sql$', f)
        if not m: mig_hits.append(f'{d}{f}: not NNN_name.sql'); continue
        nums.append(int(m.group(1)))
        mig_names[(dialect, int(m.group(1)))] = f
    # SQLite's set is the reference and has every number; another dialect's
    # directory holds only the migrations its translation cannot make.
    if dialect == 'sqlite' or dialect not in ('postgres',):
        if nums != list(range(1, len(nums) + 1)): mig_hits.append(f'{d}: numbers {nums} are not 1..{len(nums)} without gaps')
    mig_sets[dialect] = nums
if not mig_sets: mig_hits.append('src/db/migrations/: no DIALECT/ directory')
ref = mig_sets.get('sqlite', [])
for dialect, nums in mig_sets.items():
    if dialect == 'sqlite': continue
    if dialect != 'postgres':
        if nums != ref: mig_hits.append(f'dialects differ in their migration numbers: sqlite: {len(ref)}, {dialect}: {len(nums)}')
        continue
    for n in nums:
        name = mig_names[(dialect, n)]
        if n not in ref: mig_hits.append(f'src/db/migrations/postgres/{name}: no SQLite migration {n:03d}')
        elif mig_names[('sqlite', n)] != name:
            mig_hits.append(f'src/db/migrations/postgres/{name}: named unlike SQLite\'s {mig_names[("sqlite", n)]}')
# A SQLite migration the mechanical translation (src/db/pg_migrate.c) refuses
# needs its PostgreSQL text: the refusals are pg_untranslatable.def's.
if os.path.exists('src/db/pg_untranslatable.def') and 'sqlite' in mig_sets:
    refusals = []
    for m in re.finditer(r'^PG_UNTRANSLATABLE\("([^"]*)", "((?:[^"\\]|\\.)*)"\)', open('src/db/pg_untranslatable.def').read(), re.M):
        pat = m.group(2).encode().decode('unicode_escape').replace('[[:space:]]', r'\s')
        refusals.append((m.group(1), re.compile(pat, re.I)))
    if not refusals: mig_hits.append('src/db/pg_untranslatable.def: no refusals read')
    for n in ref:
        if n in mig_sets.get('postgres', []): continue
        name = mig_names[('sqlite', n)]
        text = open(f'src/db/migrations/sqlite/{name}').read()
        # Quotes and comments in one pass, as pg_migrate.c reads them: an
        # apostrophe in a comment (a member's) opens no string.
        code = re.sub(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*",
                      lambda x: x.group(0)[0] + ' ' * (len(x.group(0)) - 1), text)
        code = re.sub(r'\bWITHOUT\s+ROWID\b', ' ', code, flags=re.I)
        for what, rx in refusals:
            if rx.search(code):
                mig_hits.append(f'src/db/migrations/sqlite/{name}: uses {what}, which the PostgreSQL translation cannot make:'
                                f' write src/db/migrations/postgres/{name}')
                break
for f in glob.glob('src/db/migrations/*.sql'): mig_hits.append(f'{f}: outside a DIALECT/ directory (not embedded)')
report(f'migrations ({", ".join(sorted(mig_sets))})', mig_hits)
report('-Werror', [] if re.search(r'^WARN\s*:=.*-Werror', mk, re.M) else ['Makefile: WARN lost -Werror'])
print(f'{passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
PY

"""Notebook parameters in papermill's convention: the cell tagged `parameters` holds the defaults, and the
overrides of a run go into a new cell tagged `injected-parameters` placed right after it (at the top when
the notebook has no parameters cell), so the executed notebook shows both what was written and what ran.

Standard library only: the runner (notebook.py) and the tests use it without nbformat."""
import ast

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


def cell_tags(cell):
    return list((cell.get("metadata") or {}).get("tags") or [])


def cell_source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def parameters_index(cells):
    """Position of the first code cell tagged `parameters`, or None."""
    for i, cell in enumerate(cells):
        if cell.get("cell_type") == "code" and PARAMETERS_TAG in cell_tags(cell):
            return i
    return None


def defaults(source):
    """The `name = literal` assignments of a parameters cell, in order ({} when it does not parse). Anything
    else (a computed value, a tuple target) is left out: the cell still runs as written, it just does not
    become a param."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    out = {}
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        if not isinstance(target, ast.Name) or value is None:
            continue
        try:
            out[target.id] = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
    return out


def parse_value(text):
    """`-p lr=0.1` gives 0.1: a Python literal (int, float, bool, None, a quoted string, a list...) or
    true/false/null as on a command line; anything else is the text itself."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("null", "none"):
        return None
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return text


def parse_override(item):
    """`key=value` to (key, typed value); a ValueError that says what to write otherwise."""
    key, sep, value = item.partition("=")
    key = key.strip()
    if not sep or not key.isidentifier():
        raise ValueError("parameter %r must be name=value with a Python name, e.g. -p lr=0.1" % (item,))
    return key, parse_value(value)


def injected_source(overrides):
    """The injected cell's code: one assignment per override, as a Python literal."""
    lines = ["# Parameters set for this run (lineage run -p)"]
    for key, value in overrides.items():
        lines.append("%s = %r" % (key, value))
    return "\n".join(lines) + "\n"


def inject(cells, overrides, make_cell):
    """Inserts the injected-parameters cell (made by make_cell(source)) into `cells` in place; returns its
    position, or None when there is nothing to inject. An injected cell left from an earlier run is
    replaced, as papermill does."""
    for i in range(len(cells) - 1, -1, -1):
        if INJECTED_TAG in cell_tags(cells[i]):
            del cells[i]
    if not overrides:
        return None
    cell = make_cell(injected_source(overrides))
    cell.setdefault("metadata", {})["tags"] = [INJECTED_TAG]
    at = parameters_index(cells)
    pos = 0 if at is None else at + 1
    cells.insert(pos, cell)
    return pos

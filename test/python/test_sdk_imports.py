"""The SDK's module structure: no import cycles between lineage's modules, _state is a leaf, and
`import lineage` stays cheap. Imports inside functions count too: a lazy import hides a cycle, it does not
remove it.

Run from the repository root: /usr/bin/python3 -m unittest discover -s test/python -v"""
import ast
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE = os.path.join(REPO, "sdk", "python", "lineage")


def import_graph(folder, package="lineage"):
    """{module: set of modules of the same package it imports anywhere in its source}. Modules are named by
    file stem ("__init__" for the package itself); `from . import name` of something that is not a module
    file is an import of the package (__init__)."""
    modules = {f[:-3] for f in os.listdir(folder) if f.endswith(".py")}
    graph = {}
    for name in modules:
        with open(os.path.join(folder, name + ".py"), encoding="utf-8") as f:
            tree = ast.parse(f.read(), name + ".py")
        edges = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                if node.level > 1:
                    raise AssertionError("%s.py: relative import beyond the package" % name)
                if node.level == 1:
                    target = node.module
                elif node.module == package or (node.module or "").startswith(package + "."):
                    target = node.module[len(package) + 1:] or None
                else:
                    continue  # the standard library
                if target:
                    edges.add(target.split(".")[0])
                else:  # from . import a, b
                    edges.update(a.name if a.name in modules else "__init__" for a in node.names)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == package:
                        edges.add("__init__")
                    elif a.name.startswith(package + "."):
                        edges.add(a.name.split(".")[1])
        edges.discard(name)
        graph[name] = edges
    return graph


def find_cycle(graph):
    """One import cycle as a list of modules (first == last), or None."""
    state = {}  # module -> 1 while on the DFS path, 2 when done
    path = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


class ImportGraphTest(unittest.TestCase):
    def setUp(self):
        self.graph = import_graph(PACKAGE)

    def test_no_import_cycles(self):
        cycle = find_cycle(self.graph)
        self.assertIsNone(cycle, "import cycle in sdk/python/lineage: %s" % " -> ".join(cycle or ()))

    def test_state_is_a_leaf(self):
        self.assertIn("_state", self.graph)
        self.assertEqual(self.graph["_state"], set(), "_state.py must import no other lineage module")

    def test_only_the_package_imports_the_package(self):
        importers = sorted(m for m, edges in self.graph.items() if "__init__" in edges)
        self.assertEqual(importers, [], "modules must import the module they need, not `lineage` itself")

    def test_the_graph_sees_the_imports_it_should(self):
        # Guards the parser: were it to miss imports, the tests above would pass for nothing.
        for module, target in (("__init__", "_api"), ("_run", "_capture"), ("_run", "_record"),
                               ("_api", "_state"), ("_writer", "_state"), ("_autolog", "_api")):
            self.assertIn(target, self.graph[module], "%s should import %s" % (module, target))

    def test_a_lazy_import_cycle_is_found(self):
        tmp = tempfile.mkdtemp(prefix="lineage-graph-test-")
        self.addCleanup(shutil.rmtree, tmp, True)
        sources = {
            "__init__": "from ._run import start_run\n",
            "_state": "import sys\n",
            "_run": "from . import _capture\nfrom . import _writer as w\n",
            "_capture": "import os\n\ndef set_wanted(on):\n    from . import _run\n    return _run\n",
            "_writer": "from ._state import warn\n",
        }
        for name, code in sources.items():
            with open(os.path.join(tmp, name + ".py"), "w") as f:
                f.write(code)
        cycle = find_cycle(import_graph(tmp))
        self.assertIsNotNone(cycle)
        self.assertEqual(set(cycle), {"_run", "_capture"})
        # and a module importing the package (`from . import log_param`) closes a cycle through __init__
        with open(os.path.join(tmp, "_capture.py"), "w") as f:
            f.write("def f():\n    from . import start_run\n")
        self.assertEqual(set(find_cycle(import_graph(tmp))), {"__init__", "_run", "_capture"})


class ImportCostTest(unittest.TestCase):
    def test_import_lineage_loads_no_heavy_or_optional_module(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINEAGE_") and k != "PYTHONPATH"}
        env["PYTHONPATH"] = os.path.dirname(PACKAGE)
        code = textwrap.dedent("""
            import sys
            before = set(sys.modules)
            import lineage
            print(" ".join(sorted(set(sys.modules) - before)))
        """)
        out = subprocess.run([sys.executable, "-S", "-c", code], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        loaded = set(out.stdout.split())
        self.assertIn("lineage._state", loaded)
        heavy = {"argparse", "lineage._record", "numpy", "shutil", "socket", "subprocess", "tempfile",
                 "traceback"}
        self.assertEqual(loaded & heavy, set(), "import lineage (no run) should not load these")


if __name__ == "__main__":
    unittest.main()

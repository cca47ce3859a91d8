"""Issue 11 item 20: lists, tuples and dicts are logged as JSON arrays and objects (not their str()),
booleans stay booleans and integers keep every digit; the JSON text of a value is held to 6,000 characters.

Real scripts in real subprocesses with the environment the launcher sets (see test_sdk.SdkTestCase).
Run from the repository root: /usr/bin/python3 -m unittest discover -s test/python -v"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_sdk import HAVE_NUMPY, SdkTestCase, strict_json  # noqa: E402


class ParamTypesTest(SdkTestCase):
    def params(self):
        return {e["key"]: e["value"] for e in self.events() if e["type"] == "param"}

    def test_argparse_lists_flags_and_big_integers_keep_their_json_types(self):
        proc = self.run_script("""
            import argparse, lineage
            p = argparse.ArgumentParser()
            p.add_argument("--layers", nargs="+", type=int)
            p.add_argument("--flag", action="store_true")
            p.add_argument("--off", action="store_true")
            p.parse_args()
            lineage.log_param("big", 2**70)
            lineage.log_param("neg_big", -2**64)
            lineage.log_params({"pair": (1, "a"), "cfg": {"lr": 0.1, "sizes": [3, 4], 7: None, "deep": {"x": True}},
                                "empty": [], "nan_in": [float("nan"), float("inf")]})
        """, ["--layers", "256", "128", "64", "--flag"])
        self.assertOk(proc)
        self.assertEqual(proc.stderr, "")
        params = self.params()
        self.assertEqual(params["layers"], [256, 128, 64])
        self.assertIs(params["flag"], True)
        self.assertIs(params["off"], False)
        self.assertEqual(params["big"], 2**70)
        self.assertEqual(params["neg_big"], -2**64)
        self.assertEqual(params["pair"], [1, "a"])
        self.assertEqual(params["cfg"], {"lr": 0.1, "sizes": [3, 4], "7": None, "deep": {"x": True}})
        self.assertEqual(params["empty"], [])
        self.assertEqual(params["nan_in"], ["NaN", "Infinity"])  # JSON has no NaN: the metric spelling
        lines = [ln for ln in self.raw_lines() if '"key":"big"' in ln or '"key":"layers"' in ln]
        self.assertIn('{"type":"param","key":"layers","value":[256,128,64]}', lines)
        self.assertIn('{"type":"param","key":"big","value":1180591620717411303424}', lines)

    def test_big_deep_and_odd_values_stay_bounded(self):
        proc = self.run_script("""
            import lineage
            cyc = [1]
            cyc.append(cyc)
            deep = []
            cur = deep
            for _ in range(10000):
                cur.append([])
                cur = cur[0]
            lineage.log_param("cyc", cyc)
            lineage.log_param("deep", deep)
            lineage.log_param("huge", list(range(10**6)))
            lineage.log_param("fits", ["x" * 5000, "\\u00e9" * 900])
            lineage.log_param("objs", [Exception("x"), {1, 2}])
        """)
        self.assertOk(proc)
        params = self.params()
        # a list inside itself, or nested past 32 levels, ends in the text repr() would show there
        cyc = params["cyc"]
        for _ in range(31):
            self.assertEqual(cyc[0], 1)
            cyc = cyc[1]
        self.assertEqual(cyc, [1, "[...]"])
        d = params["deep"]
        for _ in range(31):
            d = d[0]
        self.assertEqual(d, ["[...]"])
        # over 6,000 characters of JSON: its text, cut to 6,000, with a warning
        self.assertIsInstance(params["huge"], str)
        self.assertEqual(len(params["huge"]), 6000)
        self.assertTrue(params["huge"].startswith("[0,1,2,3,"))
        self.assertIn("a param value is over 6000 characters and was cut", proc.stderr)
        self.assertEqual(params["fits"], ["x" * 5000, "\u00e9" * 900])
        self.assertEqual(params["objs"], ["x", "{1, 2}"])  # anything else: its str()
        for line in self.raw_lines():
            strict_json(line)

    @unittest.skipUnless(HAVE_NUMPY, "numpy is not installed for this interpreter")
    def test_numpy_arrays_become_lists(self):
        proc = self.run_script("""
            import lineage, numpy as np
            lineage.log_param("arr", np.array([[1, 2], [3, 4]], dtype=np.int64))
            lineage.log_param("floats", [np.float32(0.5), np.int64(3)])
        """)
        self.assertOk(proc)
        params = self.params()
        self.assertEqual(params["arr"], [[1, 2], [3, 4]])
        self.assertEqual(params["floats"], [0.5, 3])


if __name__ == "__main__":
    unittest.main()

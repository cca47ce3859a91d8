"""Issue 11 item 4: values of arguments and params whose names look secret are recorded as '••••'.

Real scripts in real subprocesses with the environment the launcher sets (see test_sdk.SdkTestCase).
Run from the repository root: /usr/bin/python3 -m unittest discover -s test/python -v"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_sdk import SdkTestCase  # noqa: E402

MASK = "\u2022\u2022\u2022\u2022"

SCRIPT = """
    import argparse, lineage
    p = argparse.ArgumentParser()
    for name in ("--api-key", "--hf_token", "--db-password", "--clientSecret", "--passwd", "--aws-credentials",
                 "--keyframes", "--monkey", "--tokenizer", "--lr", "--unset-token"):
        p.add_argument(name)
    p.add_argument("--use-token", action="store_true")
    p.parse_args()
    lineage.log_param("api_key", "sk-explicit")
    lineage.log_params({"OPENAI_API_KEY": "sk-env", "max_tokens": 256, "monkey_count": 3})
"""
ARGS = ["--api-key", "sk-live-123", "--hf_token", "hf_abc", "--db-password", "hunter2", "--clientSecret", "s3",
        "--passwd", "pw", "--aws-credentials", "AKIA", "--keyframes", "12", "--monkey", "george",
        "--tokenizer", "bpe", "--lr", "0.1", "--use-token"]


class SecretMaskingTest(SdkTestCase):
    def params(self):
        return {e["key"]: e["value"] for e in self.events() if e["type"] == "param"}

    def test_secret_looking_arguments_and_params_are_masked(self):
        proc = self.run_script(SCRIPT, ARGS)
        self.assertOk(proc)
        params = self.params()
        for key in ("api_key", "hf_token", "db_password", "clientSecret", "passwd", "aws_credentials",
                    "OPENAI_API_KEY"):
            self.assertEqual(params[key], MASK, key)
        self.assertEqual(params["keyframes"], "12")
        self.assertEqual(params["monkey"], "george")
        self.assertEqual(params["tokenizer"], "bpe")
        self.assertEqual(params["lr"], "0.1")
        self.assertEqual(params["max_tokens"], 256)
        self.assertEqual(params["monkey_count"], 3)
        self.assertIsNone(params["unset_token"])  # nothing given: nothing to hide
        self.assertIs(params["use_token"], True)  # a flag holds no secret
        with open(os.path.join(self.run_dir, "events.jsonl"), encoding="utf-8") as f:
            text = f.read()
        for secret in ("sk-live-123", "hf_abc", "hunter2", "sk-explicit", "sk-env", "AKIA"):
            self.assertNotIn(secret, text)

    def test_opt_out_with_env_variable(self):
        proc = self.run_script(SCRIPT, ARGS, LINEAGE_MASK_SECRETS="0")
        self.assertOk(proc)
        params = self.params()
        self.assertEqual(params["api_key"], "sk-explicit")  # the explicit call came after argparse's
        self.assertEqual(params["hf_token"], "hf_abc")
        self.assertEqual(params["db_password"], "hunter2")
        self.assertEqual(params["OPENAI_API_KEY"], "sk-env")


if __name__ == "__main__":
    unittest.main()

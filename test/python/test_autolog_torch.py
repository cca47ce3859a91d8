"""PyTorch autolog (issue 16 section 2) with Debian's real python3-torch: a tiny nn.Linear trained 3 steps
and saved twice to the same path is one model (flavor pytorch) holding the last save's bytes; the bytes
torch.save writes are the same with autolog on and off; a failure inside autolog never breaks the save.

Run from the repository root: /usr/bin/python3 -m unittest discover -s test/python -v"""
import hashlib
import json
import os
import unittest

from test_sdk import SdkTestCase

try:
    import torch  # noqa: F401
except ImportError as e:  # needed, not skipped: say how to get it
    raise ImportError("test_autolog_torch needs torch (python3-torch on Debian); run it with /usr/bin/python3: %s" % e)

TRAIN = """
import hashlib, json, os, sys
import lineage
mode = sys.argv[1]
if mode != "off":
    lineage.autolog(pytorch=True)
import torch
torch.manual_seed(0)
model = torch.nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(16, 4), torch.randn(16, 1)
os.makedirs(sys.argv[2], exist_ok=True)
path = os.path.join(sys.argv[2], "model.pt")
digests = []
if mode == "broken":  # autolog's copy cannot be written: a file stands where its folder would be
    with open(os.path.join(os.environ["LINEAGE_RUN_DIR"], "artifacts", "models"), "w") as f:
        f.write("not a folder")
for step in range(3):
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    if step in (1, 2):  # saved twice to one path, as a loop checkpointing every epoch does
        torch.save(model.state_dict(), path)
        with open(path, "rb") as f:
            digests.append(hashlib.sha256(f.read()).hexdigest())
torch.save(model, os.path.join(sys.argv[2], "whole.pt"))
torch.save({"epoch": 3, "lr": 0.1}, os.path.join(sys.argv[2], "meta.pt"))  # not a model
reloaded = torch.nn.Linear(4, 1)
reloaded.load_state_dict(torch.load(path))
print(json.dumps({"digests": digests, "same": bool(torch.equal(reloaded.weight, model.weight))}))
"""


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class TorchAutologTest(SdkTestCase):
    def test_two_saves_to_one_path_are_one_model_with_the_last_bytes(self):
        proc = self.run_script(TRAIN, args=["on", "ckpt"])
        self.assertOk(proc)
        truth = json.loads(proc.stdout.strip().splitlines()[-1])
        self.assertTrue(truth["same"])
        self.assertNotEqual(truth["digests"][0], truth["digests"][1], "the two saves hold different weights")
        events = self.events()
        models = self.of_type(events, "model")
        self.assertEqual(sorted((m["path"], m["flavor"]) for m in models),
                         [("artifacts/models/model.pt", "pytorch"), ("artifacts/models/whole.pt", "pytorch")])
        copy = os.path.join(self.run_dir, "artifacts", "models", "model.pt")
        self.assertEqual(sha(copy), truth["digests"][1], "the run keeps the last save")
        self.assertEqual(sha(copy), sha(os.path.join(self.ws, "ckpt", "model.pt")))
        self.assertEqual(sorted(os.listdir(os.path.join(self.run_dir, "artifacts", "models"))), ["model.pt", "whole.pt"])
        tags = {e["key"]: e["value"] for e in events if e["type"] == "tag"}
        self.assertEqual(tags["autolog.pytorch"], "torch.save")
        self.assertNotIn("autolog.warning", tags)

    def test_the_saved_bytes_are_the_same_with_autolog_on_and_off(self):
        on = self.run_script(TRAIN, args=["on", "on"])
        off = self.run_script(TRAIN, args=["off", "off"], launcher=False)
        self.assertOk(on)
        self.assertOk(off)
        for name in ("model.pt", "whole.pt", "meta.pt"):
            self.assertEqual(sha(os.path.join(self.ws, "on", name)), sha(os.path.join(self.ws, "off", name)), name)

    def test_a_failure_inside_autolog_never_breaks_the_save(self):
        proc = self.run_script(TRAIN, args=["broken", "ckpt"])
        self.assertOk(proc)
        truth = json.loads(proc.stdout.strip().splitlines()[-1])
        self.assertTrue(truth["same"], "the checkpoint saved and loads back")
        self.assertEqual(sha(os.path.join(self.ws, "ckpt", "model.pt")), truth["digests"][1])
        self.assertIn("autolog: recording the model saved by torch.save failed", proc.stderr)
        tags = {e["key"]: e["value"] for e in self.events() if e["type"] == "tag"}
        self.assertIn("torch.save", tags["autolog.warning"])
        self.assertEqual(self.of_type(self.events(), "model"), [])


if __name__ == "__main__":
    unittest.main()

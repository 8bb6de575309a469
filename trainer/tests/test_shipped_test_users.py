"""The shipped version's record of the users its test figures are means over (metadata.json's
`test_users`, written by hand for a version trained before the trainer wrote it) is the one the
trainer writes for the embedded data: `bin/glassbox reload-model` compares other versions by it."""

import json
import os
import sys
import unittest

TRAINER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TRAINER)

from glassbox_trainer import data as data_mod  # noqa: E402
from glassbox_trainer.evaluate import tested_users  # noqa: E402

ROOT = os.path.dirname(TRAINER)
SHIPPED = os.path.join(ROOT, "models", "uci-online-retail", "20261122-050136", "metadata.json")


class ShippedTestUsersTest(unittest.TestCase):
    def test_shippedVersion_recordsTheTestUsersOfTheEmbeddedDataItWasTestedOn(self):
        with open(SHIPPED, encoding="utf-8") as f:
            metadata = json.load(f)
        dataset = data_mod.load_dataset(os.path.join(ROOT, "data", "uci-online-retail"), name="uci-online-retail")
        self.assertEqual(dataset.fingerprint, metadata["data_fingerprint"])
        users = tested_users(data_mod.leave_last_basket_out(dataset).test, dataset)

        self.assertEqual(users["count"], metadata["metrics"]["evaluated_users"])
        self.assertEqual(metadata["test_users"], {"test": users, "trend_test": users, "title_test": users})


if __name__ == "__main__":
    unittest.main()

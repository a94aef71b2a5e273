import os
import tempfile
import unittest

_data = tempfile.TemporaryDirectory()
os.environ["DATA_DIR"] = _data.name

from fastapi.testclient import TestClient  # noqa: E402

import app as payments  # noqa: E402  (needs DATA_DIR)

GOOD, DECLINED = "4242424242424242", "4000000000000002"


class PaymentsTest(unittest.TestCase):
    def setUp(self):
        self.client = TestClient(payments.app)
        self.client.__enter__()
        self.addCleanup(self.client.__exit__, None, None, None)

    def charge(self, order_id, card=GOOD, amount=1250):
        return self.client.post(
            "/payments", json={"order_id": order_id, "amount_cents": amount, "card": card}
        )

    def test_capture_is_idempotent_per_order(self):
        first, again = self.charge("o-1"), self.charge("o-1")
        self.assertEqual((first.status_code, again.status_code), (201, 200))
        self.assertEqual(first.json()["id"], again.json()["id"])
        self.assertEqual(first.json()["card_last4"], "4242")
        self.assertNotIn(GOOD, first.text)
        self.assertEqual(self.client.get("/payments/o-1").json()["status"], "captured")

    def test_declined_card(self):
        resp = self.charge("o-2", card=DECLINED)
        self.assertEqual((resp.status_code, resp.json()["status"]), (402, "declined"))

    def test_invalid_charge(self):
        resp = self.charge("o-3", card="12", amount=0)
        self.assertEqual(resp.status_code, 422)
        self.assertRegex(resp.json()["error"], "amount_cents.*card|card.*amount_cents")
        self.assertEqual(self.client.get("/payments/o-404").status_code, 404)


if __name__ == "__main__":
    unittest.main()

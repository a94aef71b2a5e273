import os
import tempfile
import unittest

_data = tempfile.TemporaryDirectory()
os.environ["DATA_DIR"] = _data.name

import app as catalog  # noqa: E402  (needs DATA_DIR)


class CatalogTest(unittest.TestCase):
    def setUp(self):
        self.client = catalog.app.test_client()

    def stock(self, product_id):
        return self.client.get(f"/products/{product_id}").get_json()["stock"]

    def test_lists_and_filters(self):
        books = self.client.get("/products?category=books").get_json()["products"]
        self.assertTrue(books and all(p["category"] == "books" for p in books))
        self.assertEqual(self.client.get("/products?limit=0").status_code, 400)
        self.assertEqual(self.client.get("/products/nope").status_code, 404)

    def test_reservation_takes_stock_once_and_release_gives_it_back(self):
        before = self.stock("p02")
        body = {"order_id": "o-1", "items": [{"product_id": "p02", "quantity": 3}]}
        first = self.client.post("/reservations", json=body)
        again = self.client.post("/reservations", json=body)
        self.assertEqual((first.status_code, again.status_code), (201, 200))
        self.assertEqual(first.get_json()["items"][0]["price_cents"], 3450)
        self.assertEqual(self.stock("p02"), before - 3)
        self.assertEqual(self.client.delete("/reservations/o-1").status_code, 204)
        self.assertEqual(self.client.delete("/reservations/o-1").status_code, 204)
        self.assertEqual(self.stock("p02"), before)

    def test_out_of_stock_reserves_nothing(self):
        before = self.stock("p03")
        body = {
            "order_id": "o-2",
            "items": [
                {"product_id": "p03", "quantity": 1},
                {"product_id": "p04", "quantity": 10_000_000},
            ],
        }
        resp = self.client.post("/reservations", json=body)
        self.assertEqual(resp.status_code, 409)
        self.assertIn("out of stock: p04", resp.get_json()["error"])
        self.assertEqual(self.stock("p03"), before)

    def test_bad_reservation(self):
        resp = self.client.post(
            "/reservations", json={"order_id": "o-3", "items": [{"quantity": 1}]}
        )
        self.assertEqual(resp.status_code, 400)


if __name__ == "__main__":
    unittest.main()

"""The admin endpoint and the fault middleware, in a Flask and a FastAPI app."""

import random
import unittest

from fastapi import FastAPI
from fastapi.testclient import TestClient
from flask import Flask

from shopkit import fastapi_ext, flask_ext
from shopkit.faults import Faults, FaultSwitch


def health():
    return {"status": "ok"}


def things():
    return {"things": []}


def flask_app(switch):
    app = Flask(__name__)
    flask_ext.install_faults(app, switch)
    app.get("/health")(health)
    app.get("/things")(things)
    return app.test_client()


def fastapi_app(switch):
    app = FastAPI()
    fastapi_ext.install_faults(app, switch)
    fastapi_ext.install_json_errors(app)
    app.get("/health")(health)
    app.get("/things")(things)
    return TestClient(app)


class AdminAndFaults:
    """Shared cases; `make` builds a client around a FaultSwitch."""

    def setUp(self):
        self.switch = FaultSwitch("svc", Faults(), rng=random.Random(1))
        self.client = self.make(self.switch)

    def test_admin_reads_updates_and_resets(self):
        self.assertEqual(self.body(self.client.get("/admin/fault")), Faults().as_dict())
        resp = self.client.post("/admin/fault", json={"error_rate": 1, "latency_ms": 5})
        self.assertEqual(resp.status_code, 200)
        self.assertEqual(self.body(resp), {"error_rate": 1.0, "latency_ms": 5, "crash": False})
        self.assertEqual(self.body(self.client.delete("/admin/fault"))["error_rate"], 0.0)

    def test_admin_rejects_bad_settings(self):
        resp = self.client.post("/admin/fault", json={"latency_ms": -3})
        self.assertEqual(resp.status_code, 400)
        self.assertIn("latency_ms must be a whole number", self.body(resp)["error"])
        resp = self.client.post("/admin/fault", json=[1])
        self.assertEqual(resp.status_code, 400)

    def test_error_rate_fails_business_requests_only(self):
        self.switch.update({"error_rate": 1})
        resp = self.client.get("/things")
        self.assertEqual(resp.status_code, 500)
        self.assertEqual(self.body(resp), {"error": "injected fault on GET /things"})
        self.assertEqual(self.client.get("/health").status_code, 200)

    def test_no_fault_no_change(self):
        self.assertEqual(self.client.get("/things").status_code, 200)


class FlaskTest(AdminAndFaults, unittest.TestCase):
    make = staticmethod(flask_app)

    def body(self, resp):
        return resp.get_json()


class FastAPITest(AdminAndFaults, unittest.TestCase):
    make = staticmethod(fastapi_app)

    def body(self, resp):
        return resp.json()


if __name__ == "__main__":
    unittest.main()

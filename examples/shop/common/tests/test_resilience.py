import unittest

from tenacity import Retrying

from shopkit.resilience import CallPolicy, UpstreamError, error_text, service_url


class UpstreamErrorTest(unittest.TestCase):
    def test_status_for_the_caller(self):
        self.assertEqual(UpstreamError("a", "unreachable", "x").http_status, 503)
        self.assertEqual(UpstreamError("a", "circuit_open", "x").http_status, 503)
        self.assertEqual(UpstreamError("a", "timeout", "x").http_status, 504)
        self.assertEqual(UpstreamError("a", "status", "x", status=500).http_status, 502)

    def test_what_is_retried(self):
        self.assertTrue(UpstreamError("a", "unreachable", "x").retryable)
        self.assertTrue(UpstreamError("a", "timeout", "x").retryable)
        self.assertTrue(UpstreamError("a", "status", "x", status=503).retryable)
        self.assertFalse(UpstreamError("a", "status", "x", status=501).retryable)
        self.assertFalse(UpstreamError("a", "circuit_open", "x").retryable)

    def test_unknown_kind_is_a_bug(self):
        with self.assertRaises(ValueError):
            UpstreamError("a", "weird", "x")


class CallPolicyTest(unittest.TestCase):
    def test_defaults_and_env(self):
        self.assertEqual(CallPolicy.from_env({}), CallPolicy())
        policy = CallPolicy.from_env({"UPSTREAM_TIMEOUT_S": "0.7", "RETRY_ATTEMPTS": "5"})
        self.assertEqual((policy.timeout_s, policy.attempts), (0.7, 5))

    def test_bad_env_names_the_variable(self):
        with self.assertRaisesRegex(ValueError, "RETRY_ATTEMPTS must be a number"):
            CallPolicy.from_env({"RETRY_ATTEMPTS": "many"})
        with self.assertRaisesRegex(ValueError, "BREAKER_RESET_S must be greater than 0"):
            CallPolicy.from_env({"BREAKER_RESET_S": "0"})

    def run_policy(self, errors, idempotent):
        """Try a call that raises `errors` in turn; return (tries, outcome)."""
        tries = []

        def call():
            tries.append(1)
            if len(tries) <= len(errors):
                raise errors[len(tries) - 1]
            return "ok"

        policy = CallPolicy(backoff_s=0.001)
        try:
            outcome = Retrying(**policy.retrying(idempotent))(call)
        except UpstreamError as err:
            outcome = err.kind
        return len(tries), outcome

    def test_idempotent_calls_retry_transient_failures(self):
        transient = [
            UpstreamError("a", "timeout", "x"),
            UpstreamError("a", "status", "x", status=503),
        ]
        self.assertEqual(self.run_policy(transient, idempotent=True), (3, "ok"))

    def test_retries_stop_after_the_attempts(self):
        failing = [UpstreamError("a", "unreachable", "x")] * 5
        self.assertEqual(self.run_policy(failing, idempotent=True), (3, "unreachable"))

    def test_other_calls_and_open_breakers_are_not_retried(self):
        self.assertEqual(
            self.run_policy([UpstreamError("a", "timeout", "x")], idempotent=False), (1, "timeout")
        )
        self.assertEqual(
            self.run_policy([UpstreamError("a", "circuit_open", "x")], idempotent=True),
            (1, "circuit_open"),
        )


class HelpersTest(unittest.TestCase):
    def test_error_text(self):
        self.assertEqual(error_text(b'{"error": "payments timeout"}'), " (payments timeout)")
        self.assertEqual(error_text(b"<html>"), "")
        self.assertEqual(error_text(b"[1]"), "")

    def test_service_url(self):
        self.assertEqual(service_url("X_URL", {"X_URL": "http://x:80/"}), "http://x:80")
        with self.assertRaisesRegex(ValueError, "X_URL must be the base URL"):
            service_url("X_URL", {})


if __name__ == "__main__":
    unittest.main()

import random
import unittest

from shopkit.faults import FaultConfigError, Faults, FaultSwitch


class FaultsTest(unittest.TestCase):
    def test_defaults_are_off(self):
        self.assertEqual(Faults().as_dict(), {"error_rate": 0.0, "latency_ms": 0, "crash": False})

    def test_merge_changes_only_the_named_fields(self):
        faults = Faults(error_rate=0.2).merged({"latency_ms": 300})
        self.assertEqual(faults, Faults(error_rate=0.2, latency_ms=300))

    def test_bad_values_name_the_field(self):
        cases = [
            ({"error_rate": 1.5}, "error_rate must be a number from 0 to 1"),
            ({"error_rate": "lots"}, "error_rate must be a number from 0 to 1"),
            ({"error_rate": True}, "error_rate must be a number from 0 to 1"),
            ({"latency_ms": -1}, "latency_ms must be a whole number"),
            ({"latency_ms": 2.5}, "latency_ms must be a whole number"),
            ({"crash": "maybe"}, "crash must be true or false"),
            ({"crash": 1}, "crash must be true or false"),
            ({"errors": 1}, "unknown fault setting errors"),
        ]
        for changes, message in cases:
            with self.subTest(changes=changes):
                with self.assertRaisesRegex(FaultConfigError, message):
                    Faults().merged(changes)

    def test_from_env_reads_fault_variables(self):
        env = {"FAULT_ERROR_RATE": "0.5", "FAULT_LATENCY_MS": "250", "FAULT_CRASH": "true"}
        self.assertEqual(Faults.from_env(env), Faults(0.5, 250, True))
        self.assertEqual(Faults.from_env({"FAULT_CRASH": "off"}), Faults())

    def test_from_env_names_the_environment(self):
        with self.assertRaisesRegex(FaultConfigError, "^environment: latency_ms"):
            Faults.from_env({"FAULT_LATENCY_MS": "soon"})


class FaultSwitchTest(unittest.TestCase):
    def test_error_rate_fails_about_that_share(self):
        switch = FaultSwitch("svc", Faults(error_rate=0.3), rng=random.Random(7))
        fails = sum(switch.should_fail() for _ in range(10_000))
        self.assertTrue(2700 < fails < 3300, fails)

    def test_zero_rate_never_fails_and_one_always_does(self):
        self.assertFalse(any(FaultSwitch("svc", Faults()).should_fail() for _ in range(1000)))
        always = FaultSwitch("svc", Faults(error_rate=1.0))
        self.assertTrue(all(always.should_fail() for _ in range(1000)))

    def test_update_and_reset(self):
        switch = FaultSwitch("svc", Faults())
        self.assertEqual(switch.update({"latency_ms": 120}).latency_ms, 120)
        self.assertEqual(switch.delay_s(), 0.12)
        self.assertEqual(switch.reset(), Faults())

    def test_health_and_admin_are_exempt(self):
        switch = FaultSwitch("svc", Faults())
        self.assertFalse(switch.applies_to("/health"))
        self.assertFalse(switch.applies_to("/admin/fault"))
        self.assertTrue(switch.applies_to("/products"))


if __name__ == "__main__":
    unittest.main()

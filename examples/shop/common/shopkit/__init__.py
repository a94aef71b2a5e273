"""Shared code of the shop's Python services: fault switches, call resilience, logging setup."""

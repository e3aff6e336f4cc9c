"""The load-test report (see generate.py)."""

"""The operator API: a live read of each sale for the console at /ops and for scripts."""

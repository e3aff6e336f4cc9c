"""`seatgate loadtest`: the seed report's k6 test, run and turned into a report."""

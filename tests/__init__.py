"""The suite's processes see no SEATGATE_* setting of the machine and no `.env`.

This runs before any test module imports seatgate (whose settings module reads
SEATGATE_ENV_FILE at import): a developer's exported variables or `.env` must not
point a test at their database or change what a refusal test refuses. Only the
SEATGATE_TEST_* variables, which name the servers a run may use, stay. The data
directory is an empty one of the run's own, so no command under test finds a
developer's running `seatgate dev` (its `.seatgate/dev.json`) and uses its servers.
"""

import atexit
import os
import shutil
import tempfile

for _name in [name for name in os.environ if name.startswith("SEATGATE_")]:
    if not _name.startswith("SEATGATE_TEST_"):
        del os.environ[_name]
os.environ["SEATGATE_ENV_FILE"] = ""
os.environ["SEATGATE_DATA_DIR"] = tempfile.mkdtemp(prefix="seatgate-test-nodev-")
atexit.register(shutil.rmtree, os.environ["SEATGATE_DATA_DIR"], True)

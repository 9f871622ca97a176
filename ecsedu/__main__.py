"""Run the command line: ``python -m ecsedu``."""

import sys

from ecsedu.app.cli import main

sys.exit(main())

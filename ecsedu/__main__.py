"""Run the command line: ``python -m ecsedu``."""

import sys

from ecsedu.cli import main

sys.exit(main())

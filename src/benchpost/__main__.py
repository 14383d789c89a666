"""``python -m benchpost``: see ``benchpost.cli``."""

import sys

from benchpost.cli import main

sys.exit(main())

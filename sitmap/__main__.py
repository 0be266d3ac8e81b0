"""``python -m sitmap`` runs the CLI."""

import sys

from sitmap.cli.main import main

sys.exit(main())

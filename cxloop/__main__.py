import sys

from cxloop.cli import main

sys.exit(main())

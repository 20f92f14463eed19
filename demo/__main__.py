import sys

from demo.simulator import main

sys.exit(main())

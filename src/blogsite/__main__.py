import sys

from blogsite.cli import main

sys.exit(main())

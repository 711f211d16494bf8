"""`python -m lib.accounts unlock|reset NAME`: the account command (lib/people/__main__.py), for the server's administrator."""

import sys

from lib.people.__main__ import main

if __name__ == "__main__":
    sys.exit(main())

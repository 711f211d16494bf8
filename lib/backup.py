"""`python -m lib.backup --db PATH --out FILE`: the backup command (lib/store/backup.py), at the name scheduled jobs use."""

import sys

from lib.store import backup

if __name__ == "__main__":
    sys.exit(backup.main())

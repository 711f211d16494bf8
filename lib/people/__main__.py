"""`python -m lib.accounts unlock NAME` / `reset NAME`: for whoever runs the server, when no QA officer can sign in.

unlock lifts every pause on a user name (from every device); reset sets a new password, read from the
terminal without echo (or one line of standard input with --stdin), checked by the same policy as the
app's, and lifts the pauses too. Both are in History as done by "lib.accounts".
"""

from __future__ import annotations

import argparse
import getpass
import sys

from lib import store
from lib.people import accounts
from lib.store import history


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.accounts", description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database file (default: $FEEDBACK_DB or data/feedback.db)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("unlock", help="lift every pause on a user name").add_argument("username")
    reset = commands.add_parser("reset", help="set a new password (and lift the pauses)")
    reset.add_argument("username")
    reset.add_argument("--stdin", action="store_true", help="read the new password from standard input")
    args = parser.parse_args(argv)
    try:
        db = store.connect(store.named_database(args.db))
    except (ValueError, store.StorageProblem) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    name = args.username.strip().lower()
    row = db.execute("select id from users where username = :u", {"u": name}).fetchone()
    if row is None:
        print(f"error: there is no user called {name!r}", file=sys.stderr)
        return 2
    try:
        if args.command == "unlock":
            with store.write(db):
                accounts.unlock(db, name)
                history.add(db, action="update", user_id=None, username="lib.accounts", entity="users",
                            entity_id=row[0], detail={"unlocked": "from the command line"})
            print(f"Unlocked {name}: they can sign in again from any device.")
            return 0
        password = sys.stdin.readline().rstrip("\n") if args.stdin else getpass.getpass("New password: ")
        if not args.stdin and getpass.getpass("The same again: ") != password:
            print("error: the two passwords differ; nothing was changed", file=sys.stderr)
            return 2
        accounts.check_password(password, username=name)
        with store.write(db):
            db.execute("update users set password_hash = :h, updated_at = :now where id = :id",
                       {"h": accounts.hash_password(password), "now": store.stamp(), "id": row[0]})
            accounts.unlock(db, name)
            history.add(db, action="update", user_id=None, username="lib.accounts", entity="users",
                        entity_id=row[0], detail={"password": "reset from the command line"})
        print(f"Set a new password for {name} and unlocked the account.")
        return 0
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()


if __name__ == "__main__":
    sys.exit(main())

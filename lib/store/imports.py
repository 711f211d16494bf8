"""Applying an import: the plan worked out again inside one write, refused whole if any row is wrong.

Every import (the carer register, KPI and recruitment figures) goes the same way: csv_import reads the
file and checks each row with its line number, the page shows the plan (ui.widgets.import_file), and
run() here applies it, so what is written is what a plan made in the same transaction says, never a
stale preview, and nothing at all is written when one row needs fixing.
"""

from __future__ import annotations

from typing import Callable, Protocol, Sequence, TypeVar

import sqlite_utils

from lib import access, csv_import, store
from lib.access import User


class Plan(Protocol):
    errors: Sequence[csv_import.RowError]


P = TypeVar("P", bound=Plan)


def run(db: sqlite_utils.Database, user: User, *, permission: str, plan: Callable[[], P],
        apply: Callable[[P], object], guard: Callable[[P], None] | None = None) -> P:
    """Plan and apply in one transaction: the permission checked, any row error refused, guard (a check
    such as "confirm a mass deactivation") passed, then apply(plan) writes, with its history rows."""
    access.require(user, permission)
    with store.write(db):
        result = plan()
        if result.errors:
            csv_import.refuse(result.errors)
        if guard is not None:
            guard(result)
        apply(result)
    return result

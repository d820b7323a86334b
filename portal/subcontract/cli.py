"""`portal subcontracts ...` commands (every job can also be run by hand)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.db import utcnow


@click.group("subcontracts", help="再委託（再々委託を含む）")
def subcontracts_group() -> None:
    pass


@subcontracts_group.command("expire", help="契約の終了に伴い、再委託の承認・申請を失効させます。")
@with_appcontext
def expire_command() -> None:
    from portal.subcontract.jobs import expire_subcontracts

    count = expire_subcontracts(now=utcnow())
    click.echo(f"expired {count} subcontract request(s)")


commands = [subcontracts_group]

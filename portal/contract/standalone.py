"""`portal contracts ...`: attached to the top-level command group, so `portal contracts check`
runs without a database or SECRET_KEY (the app is loaded only by commands that need it)."""

from __future__ import annotations

import click

from portal.clausecheck.cli import check_command, clauses_group


@click.group("contracts", help="契約書の条項確認と契約台帳の処理")
def contracts_group() -> None:
    pass


contracts_group.add_command(check_command, "check")


commands = [contracts_group, clauses_group]

"""`portal exchange ...`: the exchange jobs, to be re-run by hand."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.db import utcnow


@click.group("exchange", help="文書交換")
def exchange_group() -> None:
    pass


@exchange_group.command(
    "purge-expired",
    help="保存期間を過ぎた文書を一覧し、各課の責任者（プロファイルの役割名）に通知します。",
)
@with_appcontext
def purge_expired() -> None:
    from portal.exchange import services
    from portal.exchange.jobs import purge_expired_exchange_documents

    now = utcnow()
    expired = services.expired_contracts(now=now)
    for contract, count in expired:
        click.echo(f"{contract.number}\t{count}")
    total = purge_expired_exchange_documents(now=now, expired=expired)
    click.echo(f"eligible documents: {total}")


@exchange_group.command(
    "discard-staged", help="1日以上送信されなかった確認待ちの PDF を削除します。"
)
@with_appcontext
def discard_staged() -> None:
    from portal.exchange.jobs import discard_stale_staged_uploads

    click.echo(f"discarded: {discard_stale_staged_uploads(now=utcnow())}")


commands = [exchange_group]

"""Commands that run before (or without) an app: `portal serve` validates the configuration
itself and lets each gunicorn worker build its own app."""

from __future__ import annotations

import sys

import click

from portal.config import Config, ConfigError


@click.command(
    "serve", help="本番用Webサーバー (gunicorn) を起動します。設定は環境変数から読みます。"
)
def serve_command() -> None:
    try:
        config = Config.from_env()
    except ConfigError as err:
        for line in str(err).splitlines():
            click.echo(f"configuration: {line}", err=True)
        sys.exit(2)
    from portal.ops.server import serve

    serve(config)


commands = [serve_command]

"""``site-builder server [--host H] [--port P]`` runs the centre's server (site_builder/server/);
``site-builder server migrate`` brings its database to the newest schema (the server does
it too, on start). ``database`` opens that database for the commands that read it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sqlalchemy import Engine

from site_builder import pipeline
from site_builder.content.i18n import bi, text
from site_builder.content.settings import Config
from site_builder.server import database
from site_builder.server.service import load_service, newsletter_secret, open_store

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8030


def register(commands) -> None:
    server = commands.add_parser(
        "server",
        help=bi(
            "run the centre's server: newsletter sign-up, unsubscribe, consultation intake (see README)",
            "センターのサーバーを動かします（メルマガの登録・配信停止、相談の受付。README の「Server」参照）",
        ),
    )
    server.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=bi(f"address to listen on (default: {DEFAULT_HOST})", f"待ち受けるアドレス（既定: {DEFAULT_HOST}）"),
    )
    server.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=bi(f"port to listen on (default: {DEFAULT_PORT})", f"待ち受けるポート（既定: {DEFAULT_PORT}）"),
    )
    server.set_defaults(run=run_server)
    actions = server.add_subparsers(title=bi("server commands", "server のコマンド"))
    migrate = actions.add_parser(
        "migrate",
        help=bi(
            "bring the server's database to the newest schema ($SITE_BUILDER_DATABASE_URL, else state/)",
            "サーバーのデータベースを最新の形にします（$SITE_BUILDER_DATABASE_URL、なければ state/ の SQLite）",
        ),
    )
    migrate.set_defaults(run=run_migrate)


def run_server(args) -> int:
    from site_builder.server.run import serve  # uvicorn only for this command

    config = pipeline.load_config(args.root)
    service = load_service(args.root, config)
    message = bi(
        f"serving on http://{args.host}:{args.port}/ for {service.server_url} (Ctrl+C stops)",
        f"http://{args.host}:{args.port}/ で待ち受けます（公開アドレス {service.server_url}）。Ctrl+C で止まります。",
    )
    print(text(message), file=sys.stderr)
    serve(service, args.host, args.port)
    return 0


def run_migrate(args) -> int:
    config = pipeline.load_config(args.root)
    url = database.database_url(args.root, config.settings.state_dir)
    database.open_database(url)
    print(
        text(bi(f"database {database.shown(url)} is up to date", f"データベース {database.shown(url)} は最新の形です"))
    )
    return 0


def open_database(root: Path, config: Config, need_secret: bool = False) -> Engine:
    """The server's database for a command, or a DatabaseError when there is none yet."""
    url = database.database_url(root, config.settings.state_dir)
    if not database.default_exists(url):
        raise database.DatabaseError(
            bi(
                f"no database at {database.shown(url)}: start `site-builder server` or run "
                f"`site-builder server migrate` (or set {database.DATABASE_ENV})",
                f"データベース {database.shown(url)} がまだありません。`site-builder server` を動かすか "
                f"`site-builder server migrate` を実行してください（別の場所なら {database.DATABASE_ENV} を設定）。",
            )
        )
    if need_secret:
        return open_store(root, config, os.environ, newsletter_secret(os.environ))
    return database.open_database(url)

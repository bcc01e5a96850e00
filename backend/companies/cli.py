"""The ``sync-companies`` command: refresh a team's company mirror with a progress bar."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from tqdm import tqdm

from backend import connection
from backend.db import db
from backend.itris import ItrisError
from backend.models import Team


def register(group: click.Group) -> None:
    """Add ``sync-companies`` to the ``itris-sync`` command group."""
    group.add_command(sync_companies_command)


@click.command("sync-companies")
@click.option("--team", "team_name", required=True, help="the team's name")
@click.option(
    "--full/--incremental",
    default=None,
    help="fetch every company, or only those changed since the last sync "
    "[default: full the first time, incremental after]",
)
@click.option("--page-size", default=200, show_default=True, type=click.IntRange(1, 200))
@with_appcontext
def sync_companies_command(team_name, full, page_size):
    """Mirror a team's itris companies (for duplicate warnings)."""
    from backend.companies import mirror

    current_app.extensions["db"].upgrade()
    team = db.session.scalar(select(Team).where(Team.name == team_name))
    if team is None:
        raise click.ClickException(f"no team called {team_name!r}")
    conn = connection.get(team.id)
    if conn is None:
        raise click.ClickException(f"team {team_name!r} is not connected to itris")

    with tqdm(unit=" companies", desc="companies", dynamic_ncols=True) as bar:

        def progress(done: int, total: int | None) -> None:
            if total and bar.total != total:
                bar.total = max(total, done)
            bar.update(done - bar.n)

        try:
            summary = mirror.sync(
                team.id,
                full=full,
                client=connection.client_for(conn),
                progress=progress,
                page_size=page_size,
            )
        except ItrisError as exc:
            raise click.ClickException(f"the sync stopped: {exc.message}") from exc
    click.echo(summary.line())

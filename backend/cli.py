"""The ``itris-sync`` command."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from backend import create_app
from backend.companies.cli import register as register_company_commands

DEMO_TEAM = "Demo Recruitment"
DEMO_USERS = (
    ("admin@demo.example", "demo-admin-pass", "Dana Admin", "admin"),
    ("recruiter@demo.example", "demo-recruiter-pass", "Rob Recruiter", "recruiter"),
)
SANDBOX_USER = ("api-user", "sandbox-password")


def _create_app():
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main():
    """itris-sync: push people from outreach campaigns into itris."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


register_company_commands(main)


@main.group()
def db():
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision):
    """Apply migrations up to REVISION."""
    current_app.extensions["db"].upgrade(revision)
    click.echo(f"database at {_safe_url()} is at {revision}")


def _safe_url() -> str:
    return current_app.extensions["db"].engine.url.render_as_string(hide_password=True)


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", required=True)
@click.option(
    "--role", type=click.Choice(["admin", "recruiter"]), default="recruiter", show_default=True
)
@click.option("--team", "team_name", required=True, help="created if it does not exist yet")
@with_appcontext
def create_user_command(email, password, name, role, team_name):
    """Create a user (and the team, if new)."""
    from backend.accounts import create_user

    current_app.extensions["db"].upgrade()
    try:
        user = create_user(
            email=email, password=password, name=name, role=role, team_name=team_name
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {user.role} {user.email} (id {user.id}) in team {team_name!r}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="don't run a queue consumer in this process")
@click.option("--threads", default=8, show_default=True, type=int)
@with_appcontext
def serve(host, port, no_worker, threads):
    """Serve the API and admin app (with an in-process queue consumer by default)."""
    app = current_app._get_current_object()
    app.extensions["db"].upgrade()
    _serve(app, host, port, threads, worker=not no_worker)


def _serve(app, host, port, threads, worker):
    from waitress import serve as waitress_serve

    from backend import queue

    consumer = queue.start_consumer() if worker else None
    click.echo(
        f"itris-sync listening on http://{host}:{port}"
        + (" with a queue consumer" if worker else "")
    )
    try:
        waitress_serve(app, host=host, port=port, threads=threads, ident="itris-sync")
    finally:
        if consumer is not None:
            queue.stop_consumer(consumer)


@main.command()
@click.option("--workers", default=2, show_default=True, type=int, help="consumer threads")
@with_appcontext
def worker(workers):
    """Run a queue consumer (any number of these, on any number of hosts)."""
    from backend.queue import create_consumer

    current_app.extensions["db"].upgrade()
    create_consumer(workers).run()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5050, show_default=True, type=int)
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--companies", default=None, type=int, help="how many companies to seed")
def sandbox(host, port, seed, companies):
    """Run the local itris emulator."""
    from backend.sandbox import serve as sandbox_serve

    sandbox_serve(host, port, seed, companies)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--sandbox-port", default=5050, show_default=True, type=int)
@with_appcontext
def demo(host, port, sandbox_port):
    """Run the sandbox, the backend and a worker, with a demo team ready to sign in."""
    from backend.accounts import create_user
    from backend.sandbox import start_server

    app = current_app._get_current_object()
    app.extensions["db"].upgrade()
    for email, password, name, role in DEMO_USERS:
        with contextlib.suppress(ValueError):  # already there from an earlier demo run
            create_user(email=email, password=password, name=name, role=role, team_name=DEMO_TEAM)
    sandbox_server = start_server(host="127.0.0.1", port=sandbox_port, seed=1)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    click.echo(_demo_banner(host, port, sandbox_server.url, root))
    try:
        _serve(app, host, port, threads=8, worker=True)
    finally:
        sandbox_server.stop()


def _demo_banner(host, port, sandbox_url, root) -> str:
    users = "\n".join(f"    {role:<10} {email} / {pw}" for email, pw, _name, role in DEMO_USERS)
    base = f"http://{host}:{port}"
    login = json.dumps({"email": DEMO_USERS[0][0], "password": DEMO_USERS[0][1]})
    connect = json.dumps(
        {"username": SANDBOX_USER[0], "password": SANDBOX_USER[1], "subdomain": sandbox_url}
    )
    return f"""
itris-sync demo
  backend      {base}   (API under /api, OpenAPI at /api/openapi.json)
  itris        {sandbox_url}   (the sandbox emulating itris)

Sign in (team {DEMO_TEAM!r}):
{users}

Connect itris as the admin: username {SANDBOX_USER[0]}, password {SANDBOX_USER[1]},
subdomain {sandbox_url}. Through the API:
  TOKEN=$(curl -s {base}/api/auth/login -H 'Content-Type: application/json' \\
    -d '{login}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  curl -s -X PUT {base}/api/integrations/itris -H "Authorization: Bearer $TOKEN" \\
    -H 'Content-Type: application/json' -d '{connect}'

Load the extension: chrome://extensions -> Developer mode -> Load unpacked -> {root}
then open its Options, keep the backend URL {base}, and sign in.
Stop with Ctrl+C.
"""


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

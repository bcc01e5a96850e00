"""itris-sync: push people from outreach campaigns into the itris recruitment CRM."""

from __future__ import annotations

import logging
import re

from flask import Flask
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from backend import config as config_module
from backend.db import Database


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, database, API, CORS, error handling."""
    app = Flask(__name__, instance_relative_config=False)
    settings = config_module.load(test_config)
    from backend.accounts import check_hash_method

    check_hash_method(settings["PASSWORD_HASH_METHOD"])
    app.config.from_mapping(settings)
    app.instance_path = settings["INSTANCE_PATH"]

    database = Database(app.config["DATABASE_URL"])
    database.init_app(app)
    if app.config["AUTO_MIGRATE"]:
        database.upgrade()

    from backend import errors, queue
    from backend.api import init_app as init_api

    init_api(app)
    from backend.web import bp as web_bp

    app.register_blueprint(web_bp)
    queue.init_app(app)
    app.register_error_handler(Exception, errors.handle_unexpected)
    CORS(
        app,
        resources={r"/api/*": {"origins": _cors_origins(app.config["EXTENSION_ORIGINS"])}},
        allow_headers=["Authorization", "Content-Type"],
        max_age=600,
    )
    if app.config["TRUSTED_PROXIES"]:
        # Behind a load balancer every request comes from its address: the sign-in throttle
        # must count the client's, which only the proxies we were told to trust may report.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    logging.getLogger("backend").setLevel(logging.INFO)
    return app


def _cors_origins(origins: list[str]) -> list:
    """Exact origins as strings; ones with ``*`` become anchored patterns."""
    return [
        re.compile("^" + re.escape(origin).replace(r"\*", "[^/]+") + "$")
        if "*" in origin
        else origin
        for origin in origins
    ]

"""gunicorn for the itris-sync API when one machine is not enough.

    itris-sync db upgrade                    # once per release, from any one host
    gunicorn -c deploy/gunicorn.conf.py      # on every API host
    itris-sync worker --workers 4            # on every worker host

Every process reads the same ITRIS_SYNC_DATABASE_URL (PostgreSQL), ITRIS_SYNC_QUEUE_URL
(Redis) and ITRIS_SYNC_SECRET_KEY from the environment.
"""

import os

wsgi_app = "backend:create_app()"
bind = os.environ.get("ITRIS_SYNC_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("ITRIS_SYNC_WEB_WORKERS", "2"))
threads = int(os.environ.get("ITRIS_SYNC_WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 30
# Each worker builds its own app (its own connection pool); nothing is shared by forking.
preload_app = False
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'

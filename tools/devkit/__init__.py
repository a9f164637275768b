"""The project's verbs (``make demo``, ``make test``, ...), one module per verb.

Only the Python standard library is used: these run before the virtualenv exists.
Everything they create lives in the git-ignored ``.venv/`` and ``.local/`` of the
checkout (or, for a private checkout run as root, a PostgreSQL-owned folder keyed by the
checkout's path, see ``cluster.py``), except a downloaded Odoo source, which goes to the
user's cache folder.
"""

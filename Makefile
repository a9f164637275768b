# sales_pm_collab: every verb goes through tools/dev.py (Python standard library only).
# Variables: ODOO_SOURCE (Odoo 19.0 source folder, archive or URL), ODOO_HTTP_PORT (8069),
# DEMO_LANGS (en_US,zh_CN,zh_TW), TEST_DB, KEEP_DB=1 (keep the test database), ARGS (extra pytest args).
PYTHON ?= python3
DEV = $(PYTHON) tools/dev.py

.PHONY: demo test stop reset lint pot bench screenshots help

help:
	@echo "make demo   install what is missing, start PostgreSQL and Odoo with demo data on :8069"
	@echo "make test   install what is missing, run the whole suite on a throwaway database"
	@echo "make stop   stop the Odoo server and the project's PostgreSQL"
	@echo "make reset  drop the demo database (the next make demo rebuilds it)"
	@echo "make lint   ruff and pylint-odoo"
	@echo "make pot    regenerate sales_pm_collab/i18n/sales_pm_collab.pot, zh_CN.po, zh_TW.po"
	@echo "make bench  run the scale benchmarks in bench/ (ARGS=word to pick some)"
	@echo "make screenshots  a PNG per role's main screen from the demo server into docs/screenshots"
	@echo "                  (ARGS=\"--lang zh_CN --only rep,pm --mobile --url PATH --login pm\", see --help)"

demo:
	@$(DEV) demo

test:
	@$(DEV) test $(ARGS)

stop:
	@$(DEV) stop

reset:
	@$(DEV) reset

lint:
	@$(DEV) lint

pot:
	@$(DEV) pot


bench:
	@$(DEV) bench $(ARGS)

screenshots:
	@$(DEV) screenshots $(ARGS)

# ruff: noqa: I001 (build order: the models before the reports and wizards built on them)
from . import models
from . import report
from . import wizard
from . import controllers

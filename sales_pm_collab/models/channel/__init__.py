# ruff: noqa: I001 (model build order: a model must come after the ones it inherits)
from . import res_partner_grade
from . import res_partner_training_course
from . import res_partner_training
from . import res_partner_grade_evaluation
from . import sale_territory
from . import sale_territory_conflict

# ruff: noqa: I001 (model build order: a model must come after the ones it inherits)
from . import product_requirement_stage
from . import product_release
from . import product_requirement
from . import product_requirement_score
from . import product_requirement_demand
from . import product_requirement_triage
from . import product_requirement_merge
from . import product_requirement_similar
from . import product_requirement_review
from . import product_requirement_review_line
from . import crm_lead_winback
from . import product_requirement_winback
from . import product_release_winback
from . import product_requirement_portal
from . import product_requirement_measure
from . import product_requirement_kanban

# core models the area extends
from . import crm_lead
from . import res_company
from . import res_config_settings

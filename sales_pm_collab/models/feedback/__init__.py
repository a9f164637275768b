# ruff: noqa: I001 (model build order: a model must come after the ones it inherits)
from . import customer_feedback_source_mixin
from . import customer_feedback_option
from . import customer_feedback_sla
from . import customer_feedback
from . import customer_feedback_workflow
from . import customer_feedback_sla_engine
from . import customer_feedback_sla_bulk
from . import customer_feedback_satisfaction
from . import customer_feedback_requirement
from . import customer_feedback_portal
from . import customer_feedback_measure
from . import rating_rating

# the requirement area's models: feedback behind requirements, logged on releases
from . import product_requirement
from . import product_release

# core models the area extends (documents feedback is logged from, settings)
from . import res_partner
from . import crm_lead
from . import sale_order
from . import account_move
from . import res_company
from . import res_config_settings

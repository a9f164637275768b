# ruff: noqa: I001 (model build order: a model must come after the ones it inherits)
# the feedback mixin first: releases inherit it
from . import customer_feedback_source_mixin

# --- requirements ---
from . import product_requirement_stage
from . import product_release
from . import product_requirement
from . import product_requirement_review
from . import product_requirement_review_line

# --- feedback ---
from . import customer_feedback_option
from . import customer_feedback_sla
from . import customer_feedback

# --- inherited models ---
from . import crm_lead
from . import res_partner
from . import sale_order
from . import account_move
from . import res_company
from . import res_config_settings

# ruff: noqa: I001 (model build order: a model must come after the ones it inherits)
# --- mixins first: the models below inherit them ---
# the trust boundary every model of the addon inherits
from . import collab_guard_mixin
from . import rebate_period_mixin
from . import rebate_program_term_mixin

# the feedback source mixin: releases inherit it
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
from . import customer_feedback_rating

# --- channel ---
from . import res_partner_grade
from . import res_partner_training_course
from . import res_partner_training
from . import res_partner_grade_evaluation
from . import sale_territory
from . import sale_territory_conflict

# --- rebates ---
from . import rebate_program
from . import rebate_program_band
from . import rebate_program_special
from . import rebate_target
from . import rebate_settlement
from . import rebate_settlement_line
from . import rebate_settlement_source

# --- inherited models ---
from . import crm_lead
from . import res_partner
from . import sale_order
from . import account_move
from . import account_move_line
from . import res_company
from . import res_config_settings

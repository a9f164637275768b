# ruff: noqa: I001 (model build order: a model must come after the ones it inherits)
from . import res_partner
from . import res_partner_grade
from . import res_partner_training_course
from . import res_partner_training
from . import res_partner_grade_evaluation
from . import res_partner_grade_evaluation_kpi
from . import res_partner_grade_evaluation_ladder
from . import sale_territory
from . import sale_territory_conflict
from . import crm_deal_registration
from . import crm_deal_registration_conflict
from . import crm_deal_registration_workflow

# the feedback area's model: the channel partners behind a feedback
from . import customer_feedback

# core models the area extends
from . import crm_lead
from . import sale_order
from . import res_company
from . import res_config_settings
from . import res_partner_portal

# evaluation runs, in the request or as background jobs (collab.job)
from . import res_partner_grade_evaluation_run

# ruff: noqa: I001 (model build order: a model must come after the ones it inherits)
# the trust boundary every model of the addon inherits
from . import collab_guard_mixin

# releases inherit the feedback source mixin
from .feedback import customer_feedback_source_mixin

from . import requirement
from . import feedback
from . import channel
from . import rebate

# --- inherited models ---
from . import crm_lead
from . import res_partner
from . import sale_order
from . import account_move
from . import res_company
from . import res_config_settings

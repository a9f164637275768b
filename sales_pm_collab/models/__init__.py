# --- channel ---
from . import (
    crm_lead,
    res_company,
    res_config_settings,
    res_partner,
    res_partner_grade,
    res_partner_grade_evaluation,
    res_partner_training,
    res_partner_training_course,
    sale_order,
    sale_territory,
    sale_territory_conflict,
)

# --- end channel ---

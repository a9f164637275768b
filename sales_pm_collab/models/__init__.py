from . import (
    crm_lead,
    product_release,
    product_requirement,
    product_requirement_review,
    product_requirement_review_line,
    product_requirement_stage,
    res_company,
    res_config_settings,
)

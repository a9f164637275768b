from . import (
    channel_portal,
    customer_feedback_rating,
    deal_registration_portal,
    feedback_portal,
    rebate_fund_portal,
    rebate_xlsx,
)

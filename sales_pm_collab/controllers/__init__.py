from . import channel_portal, customer_feedback_rating, rebate_xlsx

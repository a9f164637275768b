from . import channel_portal, customer_feedback_rating, feedback_portal, rebate_xlsx

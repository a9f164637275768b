from . import customer_feedback_rating, feedback_portal, rebate_xlsx

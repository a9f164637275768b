from . import customer_feedback_rating, rebate_xlsx

from . import customer_feedback_rating, rebate_fund_portal, rebate_xlsx

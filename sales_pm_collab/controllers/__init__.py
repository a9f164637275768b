from . import customer_feedback_rating, deal_registration_portal, rebate_xlsx

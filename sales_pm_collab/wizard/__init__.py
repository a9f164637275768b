from . import customer_feedback_revisit

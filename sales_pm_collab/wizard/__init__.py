# --- channel ---
from . import res_partner_grade_evaluation_wizard

# --- end channel ---

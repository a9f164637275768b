# --- requirements ---
from . import product_requirement_raise_wizard
from . import product_requirement_merge_wizard
from . import product_requirement_decline_wizard

# --- end requirements ---

# ruff: noqa: I001 (model build order: the match mixin before the wizards inheriting it)
from . import product_requirement_match_mixin
from . import (
    crm_lead_winback_dismiss,
    product_requirement_decline_wizard,
    product_requirement_merge_wizard,
    product_requirement_raise_wizard,
    product_release_date_wizard,
)

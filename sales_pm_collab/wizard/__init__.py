from . import (
    customer_feedback_requirement_link,
    customer_feedback_revisit,
    product_requirement_decline_wizard,
    product_requirement_merge_wizard,
    product_requirement_raise_wizard,
)

# ruff: noqa: I001 (model build order: a model must come after the ones it inherits)
from . import customer_feedback_source_mixin
from . import customer_feedback_option
from . import customer_feedback_sla
from . import customer_feedback
from . import rating_rating

from . import (
    test_feedback_access,
    test_feedback_capture,
    test_feedback_contract,
    test_feedback_hostile,
    test_feedback_hostile_config,
    test_feedback_hostile_ratings,
    test_feedback_layout,
    test_feedback_requirement,
    test_feedback_sla,
    test_feedback_workflow,
    test_ui_feedback,
    test_ui_feedback_layout,
)

from . import (
    test_feedback_access,
    test_feedback_capture,
    test_feedback_sla,
    test_feedback_workflow,
    test_install,
    test_roles,
    test_ui_feedback,
    test_ui_login,
)

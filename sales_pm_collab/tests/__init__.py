from . import (
    test_install,
    test_requirement_access,
    test_requirement_demand,
    test_requirement_lifecycle,
    test_requirement_merge,
    test_requirement_raise,
    test_requirement_release,
    test_requirement_review,
    test_requirement_triage,
    test_roles,
    test_ui_login,
    test_ui_requirement,
)

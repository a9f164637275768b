from . import (
    test_requirement_access,
    test_requirement_demand,
    test_requirement_hostile,
    test_requirement_hostile_workflow,
    test_requirement_lifecycle,
    test_requirement_merge,
    test_requirement_raise,
    test_requirement_release,
    test_requirement_review,
    test_requirement_triage,
    test_requirement_views,
    test_ui_requirement,
)

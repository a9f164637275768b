# ruff: noqa: F403 (each area's package hands on its test modules, as mail/tests does)
# the tests of each area live in its folder, as mail/tests/discuss/: Odoo's runner only
# sees the test modules that this package imports
from . import (
    test_collab_job_mixin,
    test_dashboard,
    test_demo,
    test_i18n,
    test_install,
    test_menus,
    test_native_fit,
    test_roles,
    test_ui_clickbot,
    test_ui_dashboard,
    test_ui_login,
    test_ui_no_role,
)
from .channel import *
from .feedback import *
from .rebate import *
from .requirement import *

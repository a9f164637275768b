from . import (
    test_install,
    test_rebate_access,
    test_rebate_compute,
    test_rebate_concurrency,
    test_rebate_config,
    test_rebate_settlement,
    test_rebate_statement,
    test_rebate_trueup,
    test_roles,
    test_ui_login,
    test_ui_rebate,
)

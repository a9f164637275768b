from . import (
    test_channel_access,
    test_channel_approval,
    test_channel_kpi,
    test_channel_ladder,
    test_channel_territory,
    test_install,
    test_roles,
    test_ui_channel,
    test_ui_login,
)

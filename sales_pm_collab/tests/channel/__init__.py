from . import (
    test_channel_access,
    test_channel_approval,
    test_channel_hostile,
    test_channel_hostile_config,
    test_channel_kpi,
    test_channel_ladder,
    test_channel_lang,
    test_channel_satisfaction,
    test_channel_territory,
    test_portal_channel,
    test_ui_channel,
)

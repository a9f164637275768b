from . import (
    test_channel_access,
    test_channel_approval,
    test_channel_hostile,
    test_channel_hostile_config,
    test_channel_kpi,
    test_channel_ladder,
    test_channel_satisfaction,
    test_channel_territory,
    test_deal_registration,
    test_deal_registration_hostile,
    test_ui_channel,
    test_ui_deal_registration,
)

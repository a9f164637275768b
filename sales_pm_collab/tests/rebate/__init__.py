from . import (
    test_rebate_access,
    test_rebate_channel,
    test_rebate_compute,
    test_rebate_concurrency,
    test_rebate_config,
    test_rebate_contract,
    test_rebate_hostile,
    test_rebate_hostile_terms,
    test_rebate_settlement,
    test_rebate_statement,
    test_rebate_trueup,
    test_ui_rebate,
)

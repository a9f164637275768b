from . import rebate_accrual_report, rebate_pending_adjustment

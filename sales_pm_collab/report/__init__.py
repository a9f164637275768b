from . import rebate_accrual_report, rebate_pending_adjustment, rebate_statement_report

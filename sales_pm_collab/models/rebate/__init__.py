# ruff: noqa: I001 (model build order: a model must come after the ones it inherits)
from . import rebate_period_mixin
from . import rebate_program_term_mixin
from . import rebate_program
from . import rebate_program_terms
from . import rebate_program_period
from . import rebate_program_items
from . import rebate_program_compute
from . import rebate_program_trueup
from . import rebate_program_accrual
from . import rebate_program_band
from . import rebate_program_special
from . import rebate_target
from . import rebate_settlement
from . import rebate_settlement_engine
from . import rebate_settlement_statement
from . import rebate_settlement_line
from . import rebate_settlement_source
from . import rebate_balance_move
from . import rebate_settlement_balance
from . import rebate_settlement_job
from . import rebate_fund_claim

# the channel area's deal registrations: programs counting registered deals only
from . import rebate_program_registration

# the channel area's models: level multipliers, payouts left out of the revenue KPI
from . import res_partner_grade
from . import res_partner_grade_evaluation

# core models the area extends
from . import account_move
from . import account_move_line
from . import res_partner
from . import ir_actions_report
from . import res_company
from . import res_config_settings

# the channel partner's portal: statement sign-off, programs to date and what-if
from . import rebate_settlement_signoff
from . import rebate_program_portal
from . import sale_order
from . import sale_order_line

# the liability accrued to date, refreshed daily for the dashboard
from . import rebate_accrual_snapshot

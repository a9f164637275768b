# ruff: noqa: I001 (model build order: a model must come after the ones it inherits)
from . import rebate_period_mixin
from . import rebate_program_term_mixin
from . import rebate_program
from . import rebate_program_band
from . import rebate_program_special
from . import rebate_target
from . import rebate_settlement
from . import rebate_settlement_line
from . import rebate_settlement_source
from . import account_move_line

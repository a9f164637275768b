# the mixins first: the models below inherit them
from . import rebate_period_mixin, rebate_program_term_mixin

# isort: split
from . import (
    account_move,
    account_move_line,
    rebate_program,
    rebate_program_band,
    rebate_program_special,
    rebate_settlement,
    rebate_settlement_line,
    rebate_settlement_source,
    rebate_target,
    res_partner,
)

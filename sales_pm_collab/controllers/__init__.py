from . import rebate_xlsx

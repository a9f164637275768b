from . import rebate_fund_claim_reject

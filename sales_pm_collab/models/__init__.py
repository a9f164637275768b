# ruff: noqa: I001 (model build order: an area comes after the areas it extends)
# the trust boundary every model of the addon inherits
from . import collab_guard_mixin

# background jobs (settlement payouts, evaluation runs) run by each area's cron, and
# the mixin of the records that run them
from . import collab_job
from . import collab_job_mixin

# the four areas, each after the ones it depends on: feedback links to requirements and
# releases, the channel KPIs read feedback, rebates read channel levels and conflicts
from . import requirement
from . import feedback
from . import channel
from . import rebate

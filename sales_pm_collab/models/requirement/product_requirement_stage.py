from odoo import api, fields, models, tools
from odoo.exceptions import UserError

# The states a stage can carry, in the order a requirement goes through them. The
# business logic (triage SLA, releases, reviews, rights) only looks at the state, so
# product managers may rename, reorder or add stages freely.
STAGE_STATES = [
    ("new", "New"),
    ("review", "Under Review"),
    ("planned", "Planned"),
    ("development", "In Development"),
    ("testing", "In Testing"),
    ("released", "Released"),
    ("declined", "Declined"),
]
# how far a requirement has come; a declined one ranks lowest (nothing will ship)
STATE_PROGRESS = {
    "declined": 0,
    "new": 1,
    "review": 2,
    "planned": 3,
    "development": 4,
    "testing": 5,
    "released": 6,
}
OPEN_STATES = ("new", "review", "planned", "development", "testing")


class ProductRequirementStage(models.Model):
    _name = "product.requirement.stage"
    _description = "Requirement Stage"
    _inherit = ["collab.guard.mixin"]
    _order = "sequence, id"
    # every company's requirements use the same stages: only a user with access to all
    # companies changes them
    _shared_config = True
    _shared_config_used_by = ("product.requirement",)

    name = fields.Char(string="Stage Name", required=True, translate=True)
    sequence = fields.Integer(default=10, help="Stages are shown in this order on the kanban.")
    fold = fields.Boolean(
        string="Folded in Kanban",
        help="Folded stages are collapsed on the kanban (typically the closed ones).",
    )
    state = fields.Selection(
        STAGE_STATES,
        required=True,
        default="new",
        help="What this stage means to the application: the triage SLA stops when a "
        "requirement leaves a New stage, a release moves its requirements to the first "
        "Released stage, declining needs a reason, and so on.",
    )
    description = fields.Text(
        translate=True, help="What a requirement in this stage is waiting for (tooltip)."
    )
    requirement_count = fields.Integer(compute="_compute_requirement_count")

    def _compute_requirement_count(self):
        counts = self._count_by("product.requirement", "stage_id")
        for stage in self:
            stage.requirement_count = counts.get(stage, 0)

    @api.model_create_multi
    def create(self, vals_list):
        stages = super().create(vals_list)
        self.env.registry.clear_cache()  # _get_column_ids
        return stages

    def write(self, vals):
        result = super().write(vals)
        if "sequence" in vals:
            self.env.registry.clear_cache()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        used = (
            self.env["product.requirement"]
            .sudo()
            .with_context(active_test=False)
            ._read_group([("stage_id", "in", self.ids)], ["stage_id"], ["__count"])
        )
        if used:
            stage, count = used[0]
            raise UserError(
                self.env._(
                    "The stage “%(stage)s” still holds %(count)s requirement(s), archived ones "
                    "included: move them to another stage before deleting it.",
                    stage=stage.name,
                    count=count,
                )
            )

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result

    @api.model
    @tools.ormcache()
    def _get_column_ids(self):
        """Every stage, in kanban order (cached: the kanban asks on every load)."""
        return tuple(self.sudo().search([("state", "!=", False)]).ids)

    @api.model
    def _get_stage_for_state(self, state):
        """The first stage (by sequence) carrying `state`, or an empty recordset."""
        return self.search([("state", "=", state)], limit=1)

    @api.model
    def _require_stage_for_state(self, state):
        """The first stage carrying `state`; a clear error when PMs removed them all."""
        stage = self._get_stage_for_state(state)
        if not stage:
            label = dict(self._fields["state"]._description_selection(self.env))[state]
            raise UserError(
                self.env._(
                    "No requirement stage has the state “%(state)s”: create one in "
                    "Configuration > Requirement Stages.",
                    state=label,
                )
            )
        return stage

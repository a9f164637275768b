from odoo import api, fields, models

WINBACK_STATES = [
    ("pending", "To Answer"),
    ("reopened", "Reopened"),
    ("dismissed", "Dismissed"),
]


class CrmLeadWinback(models.Model):
    """A lost deal offered back to its salesperson because a requirement it was lost for
    shipped: one row per lost opportunity and requirement, made by the release (never
    by hand), answered on the opportunity with Reopen or Dismiss."""

    _name = "crm.lead.winback"
    _description = "Win-back of a Lost Deal"
    _inherit = ["collab.guard.mixin"]
    _order = "create_date desc, id desc"
    _rec_name = "lead_id"
    _check_company_auto = True
    _system_fields = (
        "lead_id",
        "requirement_id",
        "release_id",
        "user_id",
        "lost_reason_id",
        "expected_revenue",
        "date_released",
        "state",
        "dismiss_reason",
        "answered_uid",
        "answered_date",
    )

    lead_id = fields.Many2one(
        "crm.lead",
        string="Lost Opportunity",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        context={"active_test": False},
    )
    requirement_id = fields.Many2one(
        "product.requirement",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        context={"active_test": False},
    )
    release_id = fields.Many2one(
        "product.release", string="Shipped In", readonly=True, index=True, ondelete="set null"
    )
    date_released = fields.Date(string="Release Date", readonly=True)
    company_id = fields.Many2one(
        related="lead_id.company_id", store=True, index=True, string="Company"
    )
    partner_id = fields.Many2one(
        related="lead_id.partner_id.commercial_partner_id", store=True, string="Customer"
    )
    product_id = fields.Many2one(related="requirement_id.product_id", store=True)
    pm_id = fields.Many2one(related="requirement_id.user_id", store=True, string="Product Manager")
    team_id = fields.Many2one(related="lead_id.team_id", store=True, string="Sales Team")
    user_id = fields.Many2one(
        "res.users",
        string="Asked",
        readonly=True,
        index=True,
        help="Who was asked to win the deal back: its salesperson, or the team leader when "
        "the salesperson has left.",
    )
    lost_reason_id = fields.Many2one("crm.lost.reason", readonly=True, ondelete="set null")
    # stored: the pivot sums amounts per currency in SQL
    currency_id = fields.Many2one(related="company_id.currency_id", store=True, string="Currency")
    expected_revenue = fields.Monetary(
        string="Lost Revenue",
        readonly=True,
        currency_field="currency_id",
        help="Expected revenue of the opportunity when it was offered back.",
    )
    state = fields.Selection(
        WINBACK_STATES, string="Status", required=True, readonly=True, default="pending", index=True
    )
    dismiss_reason = fields.Text(readonly=True)
    answered_uid = fields.Many2one("res.users", string="Answered By", readonly=True)
    answered_date = fields.Datetime(string="Answered On", readonly=True)
    won = fields.Boolean(
        string="Won Back",
        compute="_compute_won",
        store=True,
        help="Reopened, then won.",
    )
    won_revenue = fields.Monetary(
        string="Revenue Won Back",
        compute="_compute_won",
        store=True,
        currency_field="currency_id",
        help="Expected revenue of the reopened opportunity once won.",
    )
    reopened_rate = fields.Float(
        string="% Reopened",
        compute="_compute_won",
        store=True,
        aggregator="avg",
        help="100 when the deal was reopened, else 0: its average is the share reopened.",
    )
    won_rate = fields.Float(
        string="% Won Back",
        compute="_compute_won",
        store=True,
        aggregator="avg",
        help="100 when the deal was reopened and won, else 0: its average is the win-back rate.",
    )

    _lead_requirement_unique = models.Constraint(
        "UNIQUE(lead_id, requirement_id)",
        "A lost opportunity is offered back once per requirement.",
    )

    @api.depends("state", "lead_id.stage_id.is_won", "lead_id.active", "lead_id.expected_revenue")
    def _compute_won(self):
        for winback in self:
            lead = winback.lead_id
            reopened = winback.state == "reopened"
            won = reopened and lead.active and lead.stage_id.is_won
            winback.won = won
            winback.won_revenue = lead.expected_revenue if won else 0.0
            winback.reopened_rate = 100.0 if reopened else 0.0
            winback.won_rate = 100.0 if won else 0.0

    def _schedule_activity(self):
        """The Win-back activity on the lost deal, for the user asked, in their language:
        "<customer> lost <deal> for <requirement>: shipped in <release>, reopen?"."""
        self.ensure_one()
        if not self.user_id:
            return
        lead = self.lead_id.with_context(lang=self.user_id.lang or self.env.lang)
        env = lead.env
        customer = self.partner_id.name or lead.partner_name or lead.contact_name or ""
        summary = env._(
            "%(customer)s lost %(deal)s for %(requirement)s: shipped in %(release)s, reopen?",
            customer=customer or env._("The customer"),
            deal=lead.name,
            requirement=self.requirement_id.name,
            release=self.release_id.name or "",
        )
        lead.activity_schedule(
            "sales_pm_collab.mail_activity_type_winback",
            user_id=self.user_id.id,
            date_deadline=fields.Date.context_today(self),
            summary=summary[:250],
            note=env._(
                "Open the deal and choose Reopen (back to its stage) or Dismiss (with a "
                "reason). Lost reason: %(reason)s.",
                reason=self.lost_reason_id.name or env._("none given"),
            ),
        )

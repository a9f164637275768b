from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.service.model import call_kw
from odoo.tools import mute_logger

from ..common import MODULE, TrackingCommon


class RequirementCommon(TrackingCommon):
    """Customers, opportunities and stages for the requirement tests (no demo data)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Requirement = cls.env["product.requirement"]
        # the shared fixture's product manager holds only the PM role: make it an
        # internal user, as real product managers are
        cls.user_pm.group_ids = [Command.link(cls.env.ref("base.group_user").id)]
        ref = cls.env.ref
        cls.stage_new = ref(f"{MODULE}.requirement_stage_new")
        cls.stage_review = ref(f"{MODULE}.requirement_stage_review")
        cls.stage_planned = ref(f"{MODULE}.requirement_stage_planned")
        cls.stage_development = ref(f"{MODULE}.requirement_stage_development")
        cls.stage_testing = ref(f"{MODULE}.requirement_stage_testing")
        cls.stage_released = ref(f"{MODULE}.requirement_stage_released")
        cls.stage_declined = ref(f"{MODULE}.requirement_stage_declined")
        cls.env.company.requirement_pm_user_id = cls.user_pm
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Requirement Test Team",
                "user_id": cls.user_sales_manager.id,
                "member_ids": [Command.link(cls.user_rep.id), Command.link(cls.user_cs.id)],
            }
        )
        cls.other_team = cls.env["crm.team"].create({"name": "Other Test Team"})
        Partner = cls.env["res.partner"]
        cls.customer_a, cls.customer_b, cls.customer_c = Partner.create(
            [
                {"name": "测试甲零售有限公司", "is_company": True},
                {"name": "测试乙餐饮集团", "is_company": True},
                {"name": "测试丙药房连锁", "is_company": True},
            ]
        )
        cls.contact_a, cls.contact_a2, cls.contact_b, cls.contact_c = Partner.create(
            [
                {"name": "张三", "parent_id": cls.customer_a.id, "email": "zhang@a.example.com"},
                {"name": "李四", "parent_id": cls.customer_a.id, "email": "li@a.example.com"},
                {"name": "王五", "parent_id": cls.customer_b.id, "email": "wang@b.example.com"},
                {"name": "赵六", "parent_id": cls.customer_c.id},
            ]
        )
        cls.crm_stage_open = cls.env["crm.stage"].search([("is_won", "=", False)], limit=1)
        cls.crm_stage_won = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        cls.lost_reason_price, cls.lost_reason_feature = cls.env["crm.lost.reason"].create(
            [{"name": "Test: too expensive"}, {"name": "Test: missing feature"}]
        )
        cls.categ = cls.env["product.category"].create({"name": "Test Store Hardware"})
        cls.product, cls.product_other = cls.env["product.template"].create(
            [
                {"name": "Test CloudPOS Terminal", "categ_id": cls.categ.id},
                {"name": "Test Receipt Printer", "categ_id": cls.categ.id},
            ]
        )

    @classmethod
    def _lead(cls, partner, revenue, probability=50.0, user=None, **vals):
        return cls.env["crm.lead"].create(
            {
                "name": f"Deal of {partner.name} ({revenue})",
                "type": "opportunity",
                "partner_id": partner.id,
                "expected_revenue": revenue,
                "probability": probability,
                "user_id": (user or cls.user_rep).id,
                "team_id": cls.team.id,
                "stage_id": cls.crm_stage_open.id,
                **vals,
            }
        )

    @classmethod
    def _give_every_company(cls, user):
        """Requirement stages are shared by every company, so only a user with access to
        all of them configures them (databases with demo data hold more than one)."""
        user.company_ids = [Command.set(cls.env["res.company"].search([]).ids)]

    @classmethod
    def _requirement(cls, name="Offline mode for unstable networks", **vals):
        return cls.env["product.requirement"].create(
            {"name": name, "requested_by_id": cls.user_rep.id, "team_id": cls.team.id, **vals}
        )

    def _rpc(self, user, model, method, ids, *args, **kwargs):
        """Call `method` as a web client or XML-RPC caller would, as `user`: through
        the public-method dispatcher, on plain ids, with JSON-like arguments; the result
        must serialise."""
        result = call_kw(self.env[model].with_user(user), method, [ids, *args], kwargs)
        self.assertIsInstance(result, (bool, int, float, str, list, dict, type(None)))
        return result


ROLES = ("rep", "cs", "pm", "channel", "finance", "sales_manager", "employee")
# roles that may create requirements (reps, customer service, sales managers, PMs)
CREATORS = frozenset({"rep", "cs", "pm", "sales_manager"})
# context keys the addon's areas use(d) internally: none may relax a check
INTERNAL_KEYS = {
    "review_no_agenda": True,
    "feedback_link_silent": True,
    "rebate_workflow": True,
    "rebate_engine": True,
    "rebate_bands_checked_by_program": True,
}
# what is compared before and after each attack
REQUIREMENT_FIELDS = [
    "name",
    "active",
    "stage_id",
    "state",
    "requested_by_id",
    "user_id",
    "release_id",
    "decision_note",
    "decline_reason",
    "first_response_deadline",
    "first_response_date",
    "merged_into_id",
    "merged_ids",
    "lead_ids",
    "partner_ids",
    "feedback_ids",
    "customer_count",
    "opportunity_count",
    "revenue_at_stake",
    "revenue_won",
    "revenue_lost",
    "feedback_count",
    "feedback_satisfaction",
    "reach",
    "impact",
    "confidence",
    "effort",
    "score",
    "currency_id",
    "company_id",
    "kind",
    "priority",
    "deadline",
    "market_size",
]
LOGGERS = ("odoo.addons.base.models.ir_rule", "odoo.models", "odoo.models.unlink")


class RequirementHostileCommon(RequirementCommon):
    """The hostile client of the requirement tests: requirements, releases and reviews
    of two companies, and the attack helpers (each role, with and without the internal
    context keys, the refusal and nothing changed)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead = cls._lead(cls.contact_a, 100000, probability=50)
        cls.lead_won = cls._lead(
            cls.contact_b, 40000, probability=100, stage_id=cls.crm_stage_won.id
        )
        # the rep's own requirement, still New: the one reps and their sales manager
        # may edit (the strongest position to attack from)
        cls.target = cls._requirement(
            "Hostile: offline mode", lead_ids=[Command.set((cls.lead | cls.lead_won).ids)]
        )
        cls.env["customer.feedback"].create(
            {
                "name": "Tills blocked when the network drops",
                "partner_id": cls.customer_c.id,
                "kind": "complaint",
                "user_id": cls.user_cs.id,
                "team_id": cls.team.id,
                "requirement_id": cls.target.id,
            }
        )
        cls.other = cls._requirement("Hostile: kitchen display", stage_id=cls.stage_review.id)
        cls.declined = cls._requirement(
            "Hostile: ERP bridge",
            stage_id=cls.stage_declined.id,
            decline_reason="We will not build one-off bridges.",
        )
        cls.release = cls.env["product.release"].create(
            {"name": "Hostile 1.0", "user_id": cls.user_pm.id}
        )
        cls.planned = cls._requirement(
            "Hostile: e-invoices",
            stage_id=cls.stage_planned.id,
            release_id=cls.release.id,
            requested_by_id=cls.user_cs.id,
        )
        cls.requirements = cls.target | cls.other | cls.declined | cls.planned
        Review = cls.env["product.requirement.review"]
        cls.review = Review.create(
            {
                "name": "Hostile review",
                "line_ids": [Command.create({"requirement_id": cls.other.id})],
            }
        )
        cls.done_review = Review.create(
            {
                "name": "Hostile review, done",
                "line_ids": [
                    Command.create({"requirement_id": cls.planned.id, "decision": "accept"})
                ],
            }
        )
        cls.done_review.action_done()
        cls.reviews = cls.review | cls.done_review
        cls.foreign_event = cls.env["calendar.event"].create(
            {
                "name": "Someone else's meeting",
                "start": fields.Datetime.now(),
                "stop": fields.Datetime.now(),
                "user_id": cls.user_sales_manager.id,
            }
        )
        cls.other_currency = cls.env.ref("base.EUR")
        if cls.other_currency == cls.env.company.currency_id:
            cls.other_currency = cls.env.ref("base.USD")
        cls.users = {role: getattr(cls, f"user_{role}") for role in ROLES}

    # === helpers === #
    def _snapshot(self):
        """What the attacks aim at, read from the database."""
        self.env.invalidate_all()
        requirements = self.requirements.sudo().with_context(active_test=False)
        lines = self.reviews.sudo().line_ids
        return {
            "requirements": requirements.read(REQUIREMENT_FIELDS),
            "count": requirements.search_count([]),
            "release": self.release.sudo().read(
                ["state", "date_released", "beta_user_ids", "requirement_ids"]
            ),
            "reviews": self.reviews.sudo().read(["state", "calendar_event_id", "line_ids"]),
            "lines": lines.read(
                ["review_id", "requirement_id", "decision", "note", "applied", "company_id"]
            ),
            "leads": (self.lead | self.lead_won).sudo().read(["requirement_ids"]),
            "stages": self.env["product.requirement.stage"].sudo().search([]).read(["state"]),
            "event": self.foreign_event.sudo().read(["res_model", "res_id", "partner_ids"]),
        }

    def _contexts(self):
        """No key, the internal keys, and forged defaults (of system fields, PM-only
        fields and the requester)."""
        return {
            "no key": {},
            "internal keys": dict(INTERNAL_KEYS),
            "forged defaults": {
                "default_stage_id": self.stage_released.id,
                "default_state": "released",
                "default_revenue_at_stake": 1e9,
                "default_customer_count": 999,
                "default_feedback_count": 99,
                "default_first_response_date": "2020-01-01 00:00:00",
                "default_merged_into_id": self.other.id,
                "default_requested_by_id": self.user_pm.id,
                "default_release_id": self.release.id,
                "default_applied": True,
                **INTERNAL_KEYS,
            },
        }

    def _assert_refused(self, attack, before):
        """`attack()` raises a clear error and the database is as it was."""
        with self.assertRaises(UserError) as caught, mute_logger(*LOGGERS):
            attack()
            self.env.flush_all()
        self.assertNotIn("singleton", str(caught.exception))
        self.assertEqual(self._snapshot(), before, "nothing may change")
        return caught.exception

    def _run_table(self, attacks, allowed=None):
        """Each attack (label, records, callable(records)) as each role with each context;
        `allowed` maps a label to the roles it is legitimate for (not tried here)."""
        before = self._snapshot()
        allowed = allowed or {}
        for role, user in self.users.items():
            for context_name, context in self._contexts().items():
                for label, records, attack in attacks:
                    if role in allowed.get(label, ()):
                        continue
                    with self.subTest(role=role, context=context_name, attack=label):
                        hostile = records.with_user(user).with_context(**context)
                        self._assert_refused(lambda a=attack, h=hostile: a(h), before)

    # === system fields of requirements (item 2) === #

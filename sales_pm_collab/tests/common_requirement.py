from odoo import Command
from odoo.service.model import call_kw

from .common import MODULE, CollabCommon


class RequirementCommon(CollabCommon):
    """Customers, opportunities and stages for the requirement tests (no demo data)."""

    @classmethod
    def default_env_context(cls):
        # messages, followers and tracking are part of what is tested
        return {"no_reset_password": True}

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

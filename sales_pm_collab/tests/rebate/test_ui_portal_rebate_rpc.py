from odoo.tests import HttpCase, tagged

from ..common import PortalRpcMixin
from .test_portal_rebate import RebatePortalCommon


@tagged("post_install", "-at_install", "collab_ui")
class TestUiPortalRebateRpc(HttpCase, RebatePortalCommon, PortalRpcMixin):
    """A channel partner's portal user calling the ORM over raw JSON-RPC with its
    session: of its statement lines, balance moves and fund claims it gets only what its
    portal pages show; the internal figures are refused by every read, search, group-by,
    order and export method, and missing from fields_get."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_a.password = cls.portal_a.login
        cls.line_a.sudo().signoff_resolved_uid = cls.user_finance
        # distinctive values in the engine's internal figures of A's statement line
        cls.env.cr.execute(
            """UPDATE rebate_settlement_line
                  SET conflict_excluded_amount = 987654.31, item_count = 4271,
                      growth_base = 765432.19, special_base = 654321.07,
                      settled_amount = 543210.77, recomputed_amount = 432109.53,
                      warning = 'INTERNAL-WARNING capped by finance'
                WHERE id = %s""",
            [cls.line_a.id],
        )
        cls.line_a.invalidate_recordset()
        cls.order = cls.env["sale.order"].create(
            {"partner_id": cls.partner_a.id, "client_order_ref": "INTERNAL-ORDER-REF"}
        )
        cls.move = (
            cls.env["rebate.balance.move"]
            .sudo()
            .create(
                {
                    "partner_id": cls.partner_a.id,
                    "program_id": cls.program.id,
                    "company_id": cls.company.id,
                    "payout": "order_deduction",
                    "kind": "credit",
                    "amount": 12345.0,
                    "settlement_line_id": cls.line_a.id,
                    "sale_order_id": cls.order.id,
                    "note": "INTERNAL-MOVE-NOTE reviewed by CFO",
                }
            )
        )
        cls.fund = cls._program(
            name="Test marketing fund",
            payout="fund",
            fund_move_type="vendor_bill",
            journal_id=cls.purchase_journal.id,
        )
        cls.claim = (
            cls.env["rebate.fund.claim"]
            .sudo()
            .create(
                {
                    "partner_id": cls.partner_a.id,
                    "program_id": cls.fund.id,
                    "amount": 3000.0,
                    "purpose": "exhibition",
                    "description": "2025 成都零售展 B12 展位",
                }
            )
        )
        cls.claim.sudo().write(
            {
                "state": "submitted",
                "checked_uid": cls.user_finance.id,
                "checked_date": "2025-04-02 09:30:00",
                "approved_uid": cls.user_admin.id,
            }
        )

    def setUp(self):
        super().setUp()
        self.authenticate("t_portal_a", "t_portal_a")

    def test_statement_line_internal_figures_never_leave_the_server(self):
        self._assert_portal_rpc_whitelist(
            self.line_a,
            hidden={
                "conflict_excluded_amount": 987654.31,
                "item_count": 4271,
                "growth_base": 765432.19,
                "special_base": 654321.07,
                "settled_amount": 543210.77,
                "recomputed_amount": 432109.53,
                "warning": "INTERNAL-WARNING capped by finance",
                "signoff_resolved_uid": self.user_finance,
                "band_id": self.line_a.band_id,
            },
            shown=("partner_id", "period_label", "base_amount", "total", "signoff_state"),
        )
        # a new field is hidden until listed (a whitelist): source lines, adjustments
        self._assert_rpc_refused("rebate.settlement.line", "read", self.line_a.ids, ["source_ids"])

    def test_balance_move_internal_links_never_leave_the_server(self):
        self._assert_portal_rpc_whitelist(
            self.move,
            hidden={
                "note": "INTERNAL-MOVE-NOTE reviewed by CFO",
                "settlement_line_id": self.line_a,
                "sale_order_id": self.order,
            },
            shown=("amount", "kind", "payout", "date"),
        )

    def test_fund_claim_reviewers_never_leave_the_server(self):
        self._assert_portal_rpc_whitelist(
            self.claim,
            hidden={
                "checked_uid": self.user_finance,
                "checked_date": "2025-04-02 09:30:00",
                "approved_uid": self.user_admin,
                "fund_available": self.claim.sudo().fund_available,
            },
            shown=("name", "amount", "purpose", "state", "description"),
        )

    def test_related_records_are_not_reachable(self):
        """The programs and settlements behind a line: no access through a dotted path
        or a web_read specification."""
        for spec in (
            {"settlement_id": {"fields": {"note": {}}}},
            {"program_id": {"fields": {"note": {}}}},
        ):
            self._assert_rpc_refused(
                "rebate.settlement.line", "web_read", self.line_a.ids, specification=spec
            )
        self._assert_rpc_refused(
            "rebate.settlement.line", "search", [("settlement_id.note", "ilike", "INTERNAL")]
        )

    def test_portal_pages_still_read_the_whitelist(self):
        """The home counters and the statement page, read as the portal user."""
        response = self.url_open(f"/my/rebates/statement/{self.line_a.id}")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("INTERNAL-WARNING", response.text)
        self.assertNotIn("987,654.31", response.text)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["channel_rebate_count", "rebate_fund_count"]}
        )
        self.assertEqual(counters["channel_rebate_count"], 1)
        self.assertEqual(counters["rebate_fund_count"], 2)

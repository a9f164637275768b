from datetime import date, timedelta

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install", "collab_ui")
class TestChannelTour(HttpCase):
    def test_channel_manager_evaluates_and_approves_a_promotion(self):
        env = self.env
        env["res.partner.grade"].search([]).action_archive()
        basic = env["res.partner.grade"].create({"name": "Tour Basic", "sequence": 20})
        pro = env["res.partner.grade"].create(
            {"name": "Tour Pro", "sequence": 10, "min_revenue": 1000}
        )
        partner = env["res.partner"].create(
            {
                "name": "Tour Distributor",
                "is_company": True,
                "channel_type": "distributor_l1",
                "grade_id": basic.id,
            }
        )
        journal = env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", env.company.id)], limit=1
        )
        last_month = date.today().replace(day=1) - timedelta(days=20)
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": last_month,
                "journal_id": journal.id,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "POS", "quantity": 2, "price_unit": 2500, "tax_ids": []}
                    )
                ],
            }
        )
        invoice.action_post()
        # a customer won through the partner rated its feedback last month
        customer = env["res.partner"].create({"name": "Tour Customer", "is_company": True})
        lead = env["crm.lead"].create(
            {
                "name": "Tour deal",
                "type": "opportunity",
                "partner_id": customer.id,
                "channel_partner_id": partner.id,
            }
        )
        lead.action_set_won()
        lead.date_closed = last_month
        env["customer.feedback"].create(
            {
                "name": "Tour rated feedback",
                "partner_id": customer.id,
                "state": "closed",
                "satisfaction": 4,
                "satisfaction_date": last_month,
            }
        )
        new_test_user(
            env,
            login="tour_channel",
            password="tour_channel",
            groups="sales_pm_collab.group_collab_channel_manager",
            name="Tour Channel Manager",
        )
        self.start_tour("/odoo", "sales_pm_collab_channel_evaluation", login="tour_channel")
        evaluation = env["res.partner.grade.evaluation"].search([("partner_id", "=", partner.id)])
        self.assertEqual(evaluation.state, "applied")
        self.assertEqual(evaluation.approver_id.login, "tour_channel")
        self.assertEqual(partner.grade_id, pro)
        self.assertEqual((evaluation.satisfaction, evaluation.satisfaction_count), (4.0, 1))

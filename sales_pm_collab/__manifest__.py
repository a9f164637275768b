{
    "name": "Sales & Product Collaboration",
    "version": "19.0.1.0.0",
    "summary": "Requirements from deals, customer feedback with SLAs, "
    "channel partner tiers and rebates, inside Odoo CRM",
    "category": "Sales/CRM",
    "author": "sales_pm_collab developers",
    "website": "https://github.com/sales-pm-collab/sales_pm_collab",
    "license": "LGPL-3",
    "depends": ["crm", "sale_management", "partnership", "portal", "rating"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/sales_pm_collab_groups.xml",
        "security/ir.model.access.csv",
        # --- rebates ---
        "security/rebate_security.xml",
        "data/ir_sequence_data.xml",
        # ---
        "views/sales_pm_collab_menus.xml",
        # --- rebates ---
        "views/rebate_program_views.xml",
        "views/rebate_settlement_views.xml",
        "views/rebate_settlement_line_views.xml",
        "views/rebate_settlement_source_views.xml",
        "views/rebate_target_views.xml",
        "views/account_move_views.xml",
        "views/res_partner_views.xml",
        "report/rebate_statement_report.xml",
        "report/rebate_accrual_report_views.xml",
        "report/rebate_pending_adjustment_views.xml",
        "data/mail_template_data.xml",
        # ---
    ],
    "demo": [
        "demo/res_users_demo.xml",
        "demo/res_partner_demo.xml",
        "demo/product_demo.xml",
        "demo/crm_lead_demo.xml",
        "demo/rebate_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "sales_pm_collab/static/tests/tours/rebate_tour.js",
        ],
    },
    "application": True,
    "installable": True,
}

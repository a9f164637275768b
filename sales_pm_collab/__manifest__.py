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
        # --- feedback ---
        "security/feedback_security.xml",
        "data/ir_sequence_data.xml",
        "data/customer_feedback_option_data.xml",
        "data/customer_feedback_sla_data.xml",
        "data/mail_activity_type_data.xml",
        "data/mail_template_data.xml",
        "data/mail_alias_data.xml",
        "data/ir_cron_data.xml",
        # ---
        "views/sales_pm_collab_menus.xml",
        # --- feedback ---
        "views/customer_feedback_views.xml",
        "views/customer_feedback_sla_views.xml",
        "views/crm_lead_views.xml",
        "views/res_partner_views.xml",
        "views/sale_order_views.xml",
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "wizard/customer_feedback_revisit_views.xml",
    ],
    "demo": [
        "demo/res_users_demo.xml",
        "demo/res_partner_demo.xml",
        "demo/product_demo.xml",
        "demo/crm_lead_demo.xml",
        "demo/customer_feedback_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "sales_pm_collab/static/tests/tours/feedback_tour.js",
        ],
    },
    "application": True,
    "installable": True,
}

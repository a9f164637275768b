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
        "security/channel_security.xml",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "views/sales_pm_collab_menus.xml",
        # --- channel ---
        "views/res_partner_views.xml",
        "views/res_partner_grade_views.xml",
        "views/res_partner_training_views.xml",
        "views/res_partner_grade_evaluation_views.xml",
        "views/sale_territory_views.xml",
        "views/sale_order_views.xml",
        "views/crm_lead_views.xml",
        "views/res_config_settings_views.xml",
        "wizard/res_partner_grade_evaluation_wizard_views.xml",
        # --- end channel ---
    ],
    "demo": [
        "demo/res_users_demo.xml",
        "demo/res_partner_demo.xml",
        "demo/product_demo.xml",
        "demo/crm_lead_demo.xml",
        # --- channel ---
        "demo/channel_demo.xml",
        # --- end channel ---
    ],
    "assets": {
        "web.assets_tests": [
            # --- channel ---
            "sales_pm_collab/static/tests/tours/channel_tour.js",
            # --- end channel ---
        ],
    },
    "application": True,
    "installable": True,
}

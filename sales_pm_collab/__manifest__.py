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
        "views/sales_pm_collab_menus.xml",
    ],
    "demo": [
        "demo/res_users_demo.xml",
        "demo/res_partner_demo.xml",
        "demo/product_demo.xml",
        "demo/crm_lead_demo.xml",
    ],
    "application": True,
    "installable": True,
}

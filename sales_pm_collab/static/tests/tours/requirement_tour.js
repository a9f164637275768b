import { registry } from "@web/core/registry";

const TITLE = "Tour: offline receipts for 80 stores";

// A sales rep opens an opportunity and raises a requirement from it.
registry.category("web_tour.tours").add("sales_pm_collab_requirement_raise", {
    url: "/odoo/action-crm.crm_lead_action_pipeline",
    steps: () => [
        {
            content: "Open the opportunity",
            trigger: ".o_kanban_record:contains('Tour: 80-store rollout')",
            run: "click",
        },
        {
            content: "Raise a requirement from the deal",
            trigger: ".o_form_view button[name='action_raise_requirement']",
            run: "click",
        },
        {
            content: "The wizard is prefilled with the customer",
            trigger: ".modal .o_field_widget[name='partner_id'] input:value('Tour Retail Co')",
        },
        {
            content: "Describe the need",
            trigger: ".modal .o_field_widget[name='name'] input",
            run: `edit ${TITLE}`,
        },
        {
            content: "Kind of requirement",
            trigger: ".modal .o_field_widget[name='kind'] input",
            run: "click",
        },
        {
            content: "An improvement",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('Improvement')",
            run: "click",
        },
        {
            content: "Send it to the product managers",
            trigger: ".modal button[name='action_create']",
            run: "click",
        },
        {
            content: "Confirmation",
            trigger: ".o_notification:contains('was sent to the product managers')",
        },
        {
            content: "The deal now shows its requirement",
            trigger: "body:not(:has(.modal)) .o_form_view button[name='action_view_requirements'] .o_stat_value:contains('1')",
        },
    ],
});

// A product manager triages it on the kanban: drag from New to Under Review.
registry.category("web_tour.tours").add("sales_pm_collab_requirement_triage", {
    url: "/odoo/action-sales_pm_collab.action_product_requirement",
    steps: () => [
        {
            content: "Move the new requirement to review",
            trigger: `.o_kanban_group:has(.o_column_title:contains('New')) .o_kanban_record:contains('${TITLE}')`,
            run: "drag_and_drop(.o_kanban_group:has(.o_column_title:contains('Under Review')))",
        },
        {
            content: "It is now under review",
            trigger: `.o_kanban_group:has(.o_column_title:contains('Under Review')) .o_kanban_record:contains('${TITLE}')`,
        },
    ],
});

// A rep types a title in Raise Requirement: while typing (the title field keeps the
// focus), the similar open requirements appear, plural or not; the one already linked
// to this deal is greyed and says why; the rep links the deal to the other one.
registry.category("web_tour.tours").add("sales_pm_collab_requirement_suggest", {
    url: "/odoo/action-crm.crm_lead_action_pipeline",
    steps: () => [
        {
            content: "Open the opportunity",
            trigger: ".o_kanban_record:contains('Tour: 80-store rollout')",
            run: "click",
        },
        {
            content: "Raise a requirement from the deal",
            trigger: ".o_form_view button[name='action_raise_requirement']",
            run: "click",
        },
        {
            content: "Type the need, without leaving the field",
            trigger: ".modal .o_field_widget[name='name'] input",
            run: "edit Print trolley barcodes",
        },
        {
            content: "Suggested while typing: the plural matches the singular",
            trigger:
                ".modal:has(.o_field_widget[name='name'] input:focus) .o_field_widget[name='match_ids'] .o_data_row:contains('Tour: barcode labels on trolleys')",
        },
        {
            content: "The requirement already linked to this deal is greyed, with why",
            trigger:
                ".modal .o_field_widget[name='match_ids'] .o_data_row.text-muted:contains('Tour: trolley barcode scanning'):contains('Already linked to this deal'):not(:has(.o_collab_link_match))",
        },
        {
            content: "Pick the suggested one instead of raising a duplicate",
            trigger:
                ".modal .o_field_widget[name='match_ids'] .o_data_row:contains('Tour: barcode labels on trolleys') .o_collab_link_match",
            run: "click",
        },
        {
            content: "Link the deal to it",
            trigger: ".modal footer button[name='action_link']",
            run: "click",
        },
        {
            content: "Confirmation",
            trigger: ".o_notification:contains('now counts in the demand')",
        },
    ],
});

// A product manager marks a release without a release date as released: a small
// dialog asks for the date (today by default) instead of an error.
registry.category("web_tour.tours").add("sales_pm_collab_release_date", {
    steps: () => [
        {
            content: "Mark the release released",
            trigger: ".o_form_view .o_form_statusbar button[name='action_mark_released']",
            run: "click",
        },
        {
            content: "The dialog asks for the date, today by default",
            trigger: ".modal .o_field_widget[name='date_released'] input:value(/[0-9]/)",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name='action_mark_released']",
            run: "click",
        },
        {
            content: "The release is released",
            trigger:
                "body:not(:has(.modal)) .o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Released')",
        },
    ],
});

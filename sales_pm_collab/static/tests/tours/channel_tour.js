import { registry } from "@web/core/registry";

// A channel manager evaluates a partner with the "Evaluate Partners" wizard, looks at the
// customer feedback behind its satisfaction, then submits, approves and applies the
// proposed promotion.
registry.category("web_tour.tours").add("sales_pm_collab_channel_evaluation", {
    url: "/odoo/action-sales_pm_collab.action_channel_partners",
    steps: () => [
        {
            content: "Open the Channel menu",
            trigger: ".o_menu_sections [data-menu-xmlid='sales_pm_collab.menu_collab_channel']",
            run: "click",
        },
        {
            content: "Run Evaluate Partners",
            trigger: "[data-menu-xmlid='sales_pm_collab.menu_channel_evaluate_partners']",
            run: "click",
        },
        {
            content: "Evaluate selected partners",
            trigger: ".modal .o_field_widget[name=scope] input[data-value=selection]",
            run: "click",
        },
        {
            content: "Pick the partner",
            trigger: ".modal .o_field_widget[name=partner_ids] input",
            run: "edit Tour Distributor",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains(Tour Distributor)",
            run: "click",
        },
        {
            content: "Evaluate",
            trigger: ".modal button[name=action_evaluate]",
            run: "click",
        },
        {
            content: "Open the evaluation proposing a promotion",
            trigger: ".o_data_row:contains(Tour Distributor):contains(Promote) .o_data_cell[name=partner_id]",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=grade_recommended_id]:contains(Tour Pro)",
        },
        {
            content: "Open the customer feedback behind the satisfaction figure",
            trigger: ".o_form_view button.oe_stat_button[name=action_view_satisfaction_feedback]",
            run: "click",
        },
        {
            content: "The customer's rated feedback is listed",
            trigger: ".o_list_view .o_data_row:contains(Tour rated feedback)",
        },
        {
            content: "Back to the evaluation",
            trigger: ".breadcrumb-item a:contains(Tour Distributor)",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=satisfaction_count]:contains(1)",
        },
        {
            content: "Submit",
            trigger: ".o_form_view button[name=action_submit]",
            run: "click",
        },
        {
            content: "Approve",
            trigger: ".o_form_view button[name=action_approve]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Approved)",
        },
        {
            content: "Apply the new level",
            trigger: ".o_form_view button[name=action_apply]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Applied)",
        },
    ],
});

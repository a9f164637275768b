import { registry } from "@web/core/registry";

// Customer service opens the feedback kanban, acknowledges a new complaint,
// resolves it with its root cause and solution, and raises a product requirement
// from it.
registry.category("web_tour.tours").add("sales_pm_collab_feedback", {
    url: "/odoo/action-sales_pm_collab.customer_feedback_action",
    steps: () => [
        {
            content: "The kanban shows the new complaint, with its SLA status",
            trigger:
                ".o_kanban_group:has(.o_column_title:contains('New')) .o_kanban_record:contains('Tour: cash drawer does not open'):has(.o_field_widget[name=sla_status])",
            run: "click",
        },
        {
            content: "Acknowledge: the customer hears from us (first response)",
            trigger: ".o_form_view button[name=action_acknowledge]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Acknowledged')",
        },
        {
            content: "Open the resolution tab",
            trigger: ".o_notebook .nav-link:contains('Resolution')",
            run: "click",
        },
        {
            content: "Record the root cause",
            trigger: ".o_field_widget[name=root_cause] textarea",
            run: "edit Solenoid of the cash drawer worn out after 50,000 openings.",
        },
        {
            content: "Record the solution",
            trigger: ".o_field_widget[name=solution] textarea",
            run: "edit Replaced the solenoid under warranty; preventive check on the other tills.",
        },
        {
            content: "Resolve",
            trigger: ".o_form_view button[name=action_resolve]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Resolved')",
        },
        {
            content: "Next step: the satisfaction revisit",
            trigger: ".o_form_view button[name=action_log_revisit]",
        },
        {
            content: "The complaint shows a product gap: raise a requirement from it",
            trigger: ".o_form_view button[name=action_create_requirement]",
            run: "click",
        },
        {
            content: "The requirement opens, prefilled and counting the complaint",
            trigger:
                ".o_form_view:has(button[name=action_view_feedback]) .o_field_widget[name=name] input:value('Tour: cash drawer does not open')",
        },
    ],
});

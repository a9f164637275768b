import { registry } from "@web/core/registry";

// The Rebate Accountant settles a period: compute, approve, create the credit notes.
// Data comes from the Python test (test_ui_rebate.py).
registry.category("web_tour.tours").add("sales_pm_collab_rebate_settlement", {
    url: "/odoo/action-sales_pm_collab.rebate_settlement_action",
    steps: () => [
        {
            content: "Open the draft settlement of the period",
            trigger: ".o_data_row:contains(Tour stepped rebate) td[name=name]",
            run: "click",
        },
        {
            content: "The settlement opens in draft",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Draft)",
        },
        {
            content: "Compute the rebates of the period",
            trigger: ".o_statusbar_buttons button[name=action_compute]",
            run: "click",
        },
        {
            content: "One line per partner, with its rebate",
            trigger: ".o_field_widget[name=regular_line_ids] .o_data_row:contains(Tour Distributor)",
        },
        {
            content: "Approve",
            trigger: ".o_statusbar_buttons button[name=action_approve]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Approved)",
        },
        {
            content: "Create the credit notes",
            trigger: ".o_statusbar_buttons button[name=action_create_moves]",
            run: "click",
        },
        {
            content: "Confirm: this is done once",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The settlement is done",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
        {
            content: "Its credit notes are one click away",
            trigger: ".oe_stat_button[name=action_view_moves]:contains(1)",
        },
    ],
});

import { registry } from "@web/core/registry";
import { jobDoneSteps, jobQueuedSteps } from "./job_steps";

// A settlement above the company's threshold of partners is computed in the background:
// Compute queues the job (state and progress bar on the form); the Python test
// (test_ui_rebate_jobs.py) runs the cron, then the second tour sees the lines.
registry.category("web_tour.tours").add("sales_pm_collab_rebate_job_queued", {
    url: "/odoo/action-sales_pm_collab.rebate_settlement_action",
    steps: () => [
        {
            content: "Open the draft settlement of the period",
            trigger: ".o_data_row:contains(Tour job rebate) td[name=name]",
            run: "click",
        },
        {
            content: "Compute the rebates of the period",
            trigger: ".o_statusbar_buttons button[name=action_compute]",
            run: "click",
        },
        ...jobQueuedSteps({ what: "The compute" }),
        {
            content: "and no second Compute while it is queued",
            trigger: ".o_form_view:not(:has(.o_statusbar_buttons button[name=action_compute]))",
        },
        {
            content: "The settlement is still a draft",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Draft)",
        },
    ],
});

registry.category("web_tour.tours").add("sales_pm_collab_rebate_job_done", {
    url: "/odoo/action-sales_pm_collab.rebate_settlement_action",
    steps: () => [
        {
            content: "Open the settlement the job computed",
            trigger: ".o_data_row:contains(Tour job rebate) td[name=name]",
            run: "click",
        },
        ...jobDoneSteps({ status: "Computed" }),
        {
            content: "One line per partner, with its rebate",
            trigger: ".o_field_widget[name=regular_line_ids] .o_data_row:contains(Tour Distributor)",
        },
    ],
});

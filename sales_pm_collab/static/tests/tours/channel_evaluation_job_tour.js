import { registry } from "@web/core/registry";
import { jobDoneSteps, jobQueuedSteps, jobResumeSteps } from "./job_steps";

// Evaluate Partners above the company's threshold of partners runs in the background:
// the wizard says so, then opens the evaluation run with its state and progress bar; the
// Python test (test_ui_channel_evaluation_job.py) runs the cron, then the second tour
// sees the run done and its evaluations.
registry.category("web_tour.tours").add("sales_pm_collab_channel_evaluation_job_queued", {
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
            run: "edit Tour Job Distributor",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains(Tour Job Distributor)",
            run: "click",
        },
        {
            content: "The wizard says the evaluation runs in the background",
            trigger: ".modal .alert-info:contains(background job)",
        },
        {
            content: "Evaluate",
            trigger: ".modal button[name=action_evaluate]",
            run: "click",
        },
        // the evaluation run opens
        ...jobQueuedSteps({ what: "The evaluation run", stateField: "state" }),
        {
            content: "and the partner it evaluates",
            trigger: ".o_form_view button[name=action_view_partners] .o_stat_value:contains(1)",
        },
    ],
});

// the Python test made the job fail (a batch crashed): the run says why, Resume queues it
registry.category("web_tour.tours").add("sales_pm_collab_channel_evaluation_job_resume", {
    url: "/odoo/action-sales_pm_collab.action_res_partner_grade_evaluation_run",
    steps: () => [
        {
            content: "The failed run in the list",
            trigger: ".o_data_row:contains(Tour Job Channel Manager):contains(Failed) td[name=name]",
            run: "click",
        },
        ...jobResumeSteps({ error: "T-worker killed", stateField: "state" }),
    ],
});

registry.category("web_tour.tours").add("sales_pm_collab_channel_evaluation_job_done", {
    url: "/odoo/action-sales_pm_collab.action_res_partner_grade_evaluation_run",
    steps: () => [
        {
            content: "The run is done in the list",
            trigger: ".o_data_row:contains(Tour Job Channel Manager):contains(Done) td[name=name]",
            run: "click",
        },
        ...jobDoneSteps({ status: "Done", stateField: "state" }),
        {
            content: "Open the evaluations it created",
            trigger: ".o_form_view button[name=action_view_evaluations]:contains(1)",
            run: "click",
        },
        {
            content: "The partner's draft evaluation",
            trigger: ".o_list_view .o_data_row:contains(Tour Job Distributor)",
        },
    ],
});

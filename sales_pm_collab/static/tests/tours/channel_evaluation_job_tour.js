import { registry } from "@web/core/registry";

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
        {
            content: "The evaluation run opens, queued",
            trigger: ".o_form_view .alert-info .o_field_widget[name=state]:contains(Queued)",
        },
        {
            content: "with its progress bar",
            trigger: ".o_form_view .alert-info .o_field_widget[name=job_progress] .o_progressbar",
        },
        {
            content: "and the partner it evaluates",
            trigger: ".o_form_view button[name=action_view_partners] .o_stat_value:contains(1)",
        },
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
        {
            content: "The job is done",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
        {
            content: "no background banner left",
            trigger: ".o_form_view:not(:has(.alert-info .o_field_widget[name=state]))",
        },
        {
            content: "The chatter says the job is done",
            trigger: ".o-mail-Message:contains(is done)",
        },
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

// Steps shared by the tours of the records that run background jobs (collab.job.mixin:
// a settlement's compute, an evaluation run): the job banner of the form while the job
// is queued or running, and the form once the job is done.

/**
 * The form's job banner (.alert-info) shows the job's state badge (`stateField`, "Queued")
 * and its progress bar.
 */
export function jobQueuedSteps({ what, stateField = "job_state", state = "Queued" }) {
    return [
        {
            content: `${what} is queued as a background job`,
            trigger: `.o_form_view .alert-info .o_field_widget[name=${stateField}]:contains(${state})`,
        },
        {
            content: "with its progress bar",
            trigger: ".o_form_view .alert-info .o_field_widget[name=job_progress] .o_progressbar",
        },
    ];
}

/**
 * The job is done: the statusbar shows `status`, the job banner is gone and the chatter
 * says the job is done (the message the job posts when it ends).
 */
export function jobDoneSteps({ status, stateField = "job_state" }) {
    return [
        {
            content: `The job is done: the record is ${status}`,
            trigger: `.o_statusbar_status .o_arrow_button_current:contains(${status})`,
        },
        {
            content: "no job banner left",
            trigger: `.o_form_view:not(:has(.alert-info .o_field_widget[name=${stateField}]))`,
        },
        {
            content: "The chatter says the job is done",
            trigger: ".o-mail-Message:contains(is done)",
        },
    ];
}

/**
 * The job failed: the form's error banner shows `error`; the header button `resume`
 * queues the job again, and the job banner is back.
 */
export function jobResumeSteps({ error, resume = "action_resume", stateField = "job_state" }) {
    return [
        {
            content: "The job failed: the form says why",
            trigger: `.o_form_view .alert-danger:contains(${error})`,
        },
        {
            content: "Resume the job",
            trigger: `.o_statusbar_buttons button[name=${resume}]`,
            run: "click",
        },
        ...jobQueuedSteps({ what: "The resumed job", stateField }),
    ];
}

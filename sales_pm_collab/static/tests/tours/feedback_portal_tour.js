import { registry } from "@web/core/registry";

// A customer files feedback from the portal and finds it in the list of their
// company's feedback.
registry.category("web_tour.tours").add("sales_pm_collab_feedback_portal", {
    url: "/my/feedback",
    steps: () => [
        {
            content: "Open the form to file new feedback",
            trigger: "a.o_feedback_new",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Say what happened in one line",
            trigger: "form.o_feedback_new_form input[name=name]",
            run: "edit Tour: receipt printer jams at lunch",
        },
        {
            content: "It is a complaint",
            trigger: "form.o_feedback_new_form select[name=kind]",
            run: "select complaint",
        },
        {
            content: "Describe it",
            trigger: "form.o_feedback_new_form textarea[name=description]",
            run: "edit The printer jams after about 200 receipts, every day at lunch.",
        },
        {
            content: "Send it",
            trigger: "form.o_feedback_new_form button.o_feedback_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The feedback page thanks the customer and shows the commitments",
            trigger: ".o_feedback_sent",
        },
        {
            content: "...with its subject and the date we answer by",
            trigger:
                ".o_portal_feedback:contains('Tour: receipt printer jams at lunch') .o_feedback_answer_by",
        },
        {
            content: "Back to the list of the company's feedback",
            trigger: ".breadcrumb a[href='/my/feedback']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The new feedback is in the list, New",
            trigger:
                ".o_feedback_row:contains('Tour: receipt printer jams at lunch') .o_feedback_state",
        },
    ],
});

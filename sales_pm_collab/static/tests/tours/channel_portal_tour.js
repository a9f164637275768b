import { registry } from "@web/core/registry";

// The channel partner on the portal: its level passport, the what-if of its rebate
// program, then a dispute of its statement. Data comes from the Python test
// (tests/rebate/test_ui_portal_rebate.py); selectors do not depend on the language.
registry.category("web_tour.tours").add("sales_pm_collab_channel_portal", {
    url: "/my/channel",
    steps: () => [
        {
            content: "The passport shows the current and the next level",
            trigger: ".o_passport_level:contains(T-Silver)",
        },
        {
            trigger: ".o_passport_next:contains(T-Gold)",
        },
        {
            content: "Each criterion of the next level has its bar",
            trigger: ".o_passport_kpi_min_revenue .progress-bar",
        },
        {
            content: "Go to the rebates",
            trigger: "a[href='/my/rebates']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The what-if names the next band",
            trigger: ".o_rebate_what_if li:contains(100–120%)",
        },
        {
            content: "Open the statement awaiting sign-off",
            trigger: ".o_rebate_statement_row a",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Say what is wrong",
            trigger: "textarea[name=comment]",
            run: "edit Invoice TOUR/42 is missing",
        },
        {
            content: "Dispute the statement",
            trigger: "button.o_rebate_dispute",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The statement is disputed, the reason shown",
            trigger: ".o_rebate_dispute_comment:contains(Invoice TOUR/42 is missing)",
        },
        {
            trigger: ".o_rebate_signoff .o_rebate_signoff_badge.text-bg-danger",
        },
    ],
});

import { registry } from "@web/core/registry";

// A requirement a deal was lost for has shipped: the salesperson opens the win-back
// activity from the systray and reopens the deal.
registry.category("web_tour.tours").add("sales_pm_collab_winback", {
    url: "/odoo",
    steps: () => [
        {
            content: "Open my activities",
            trigger: ".o_menu_systray i[aria-label='Activities']",
            run: "click",
        },
        {
            content: "The opportunities with an activity",
            trigger: ".o-mail-ActivityGroup[data-model_name='crm.lead']",
            run: "click",
        },
        {
            content: "The lost deal is listed though it is lost",
            trigger: ".o_data_row .o_data_cell[name='name']:contains('Tour: lost for offline mode')",
            run: "click",
        },
        {
            content: "The deal opens",
            trigger: ".o_form_view .o_breadcrumb:contains('Tour: lost for offline mode')",
        },
        {
            content: "The banner names what shipped",
            trigger: ".o_winback_banner:contains('Tour offline receipts')",
        },
        {
            content: "Reopen the deal",
            trigger: ".o_form_view .o_form_statusbar button[name='action_winback_reopen']",
            run: "click",
        },
        {
            content: "The deal is back in the pipeline: no banner, no Reopen",
            trigger:
                ".o_form_view:not(:has(.o_winback_banner:visible)):not(:has(button[name='action_winback_reopen']))",
        },
        {
            content: "The note says why it was reopened",
            trigger: ".o-mail-Message:contains('Reopened: Tour offline receipts')",
        },
    ],
});

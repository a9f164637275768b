import { registry } from "@web/core/registry";
import { assertClearOfRibbon, assertNotCut, assertOneLine, visible } from "./layout_checks";

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
            content: "The complaint shows a product gap: the gear menu raises a requirement",
            trigger: ".o_form_view .o_cp_action_menus i.fa-cog",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu .o-dropdown-item:contains('Create Requirement')",
            run: "click",
        },
        {
            content: "The requirement opens, prefilled and counting the complaint",
            trigger:
                ".o_form_view:has(button[name=action_view_feedback]) .o_field_widget[name=name] input:value('Tour: cash drawer does not open')",
        },
    ],
});

// A complaint with a long title whose SLA is breached (ribbon), at 1440 px and 390 px:
// the title shows whole and clear of the ribbon, the header has at most three buttons,
// none wrapping, and a new feedback has none until it is saved.
registry.category("web_tour.tours").add("sales_pm_collab_feedback_layout", {
    steps: () => [
        {
            content: "The breached complaint: its long title shows whole, clear of the ribbon",
            trigger: ".o_form_view .o_widget_web_ribbon .ribbon",
            run() {
                const title = document.querySelector(".o_form_view .oe_title h1 .o_field_widget");
                const input = title.querySelector("textarea, input");
                assertNotCut(input, "the title");
                if (!input.value.includes("paper jam")) {
                    throw new Error(`unexpected title ${input.value}`);
                }
                assertClearOfRibbon(input, document.querySelector(".ribbon"), "the title");
            },
        },
        {
            content: "At most three header buttons, none wrapping",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_acknowledge]",
            run() {
                const buttons = visible(".o_form_view .o_statusbar_buttons button");
                const primary = buttons.filter((b) => b.classList.contains("btn-primary"));
                if (buttons.length > 3 || primary.length > 3) {
                    throw new Error(
                        `${buttons.length} header buttons (${primary.length} primary): ` +
                            buttons.map((b) => b.textContent.trim()).join(", ")
                    );
                }
                buttons.forEach((b) => assertOneLine(b, `the button ${b.textContent.trim()}`));
            },
        },
        {
            content: "A new feedback",
            trigger: ".o_form_view .o_form_button_create",
            run: "click",
        },
        {
            content: "No button before it is saved",
            trigger: ".o_form_view .oe_title:not(:has(.o_field_widget[name=reference]))",
            run() {
                const buttons = visible(".o_form_view .o_statusbar_buttons button");
                if (buttons.length) {
                    throw new Error(
                        `buttons on an unsaved record: ${buttons.map((b) => b.textContent.trim())}`
                    );
                }
            },
        },
    ],
});

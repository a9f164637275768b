import { registry } from "@web/core/registry";
import { assertListFits, assertNotCut, visible } from "./layout_checks";

// The list (or the one2many lists of the form) opened by the test: readable without
// scrolling sideways at the test's screen size.
registry.category("web_tour.tours").add("sales_pm_collab_list_fits", {
    steps: () => [
        {
            content: "The list shows its records",
            trigger: ".o_list_renderer .o_data_row",
            run() {
                const lists = [...document.querySelectorAll(".o_list_renderer")].filter(
                    (el) => el.offsetParent !== null
                );
                lists.forEach((list, index) =>
                    assertListFits(`list ${index + 1}`, list.parentElement)
                );
            },
        },
    ],
});

// The product manager's requirement kanban: each card's title keeps clear of the
// card's ⋮ toggle (always visible on phones) and shows whole.
registry.category("web_tour.tours").add("sales_pm_collab_requirement_cards", {
    steps: () => [
        {
            content: "The cards' titles clear the ⋮ toggle",
            trigger: ".o_kanban_record:not(.o_kanban_ghost) .o_dropdown_kanban",
            run() {
                const cards = visible(".o_kanban_record:not(.o_kanban_ghost)");
                for (const card of cards) {
                    const title = card.querySelector(".o_collab_card_title");
                    const toggle = card.querySelector(".o_dropdown_kanban");
                    assertNotCut(title, "a card's title");
                    if (toggle && getComputedStyle(toggle).visibility !== "hidden") {
                        const t = title.getBoundingClientRect();
                        const m = toggle.getBoundingClientRect();
                        if (t.right > m.left + 1 && t.top < m.bottom && t.bottom > m.top) {
                            throw new Error(
                                `"${title.textContent.trim()}" runs under the ⋮ toggle ` +
                                    `(title ends at ${t.right} px, toggle starts at ${m.left} px)`
                            );
                        }
                    }
                }
            },
        },
    ],
});

// The channel partners by level: the ladder's columns as the server orders them (highest
// level first), the partners without a level in the LAST column (the stock kanban
// renderer moves it first, where it reads as the top of the ladder).
registry.category("web_tour.tours").add("sales_pm_collab_channel_ladder_columns", {
    steps: () => [
        {
            content: "The kanban shows its level columns",
            trigger: ".o_kanban_renderer .o_kanban_group .o_kanban_record",
            run() {
                const titles = [...document.querySelectorAll(".o_kanban_renderer .o_kanban_group")]
                    .map((group) => group.querySelector(".o_column_title")?.textContent.trim())
                    .filter(Boolean)
                    .map((title) => title.replace(/\s*\(\d+\)$/, ""));
                if (titles.length < 2 || titles.indexOf("T-Top") < 0) {
                    throw new Error(`the level columns are missing: ${JSON.stringify(titles)}`);
                }
                if (titles[titles.length - 1] !== "No level") {
                    throw new Error(`"No level" is not the last column: ${JSON.stringify(titles)}`);
                }
            },
        },
    ],
});

import { registry } from "@web/core/registry";

// Partner rebate balances (issue 13). Data comes from the Python test
// (test_ui_rebate_balance.py).

// The salesperson deducts the partner's rebate balance on its next quotation.
registry.category("web_tour.tours").add("sales_pm_collab_rebate_apply", {
    steps: () => [
        {
            content: "The quotation shows the customer's rebate balance",
            trigger: ".alert-info:contains(Rebate balance available to deduct)",
        },
        {
            content: "Apply the rebate",
            trigger: ".o_statusbar_buttons button[name=action_apply_rebate]",
            run: "click",
        },
        {
            content: "A rebate discount line is added",
            trigger: ".o_field_widget[name=order_line] .o_data_row:contains(Rebate deduction)",
        },
        {
            content: "Confirm the order: it uses the balance",
            trigger: ".o_statusbar_buttons button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The order is confirmed",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Sales Order)",
        },
    ],
});

// The partner files a special fund claim on the portal, with its proof.
registry.category("web_tour.tours").add("sales_pm_collab_fund_claim_portal", {
    url: "/my/fund",
    steps: () => [
        {
            content: "The fund balance is on the page",
            trigger: ".o_fund_balance:contains(Tour marketing fund)",
        },
        {
            content: "File a new claim",
            trigger: "a.o_fund_new_claim",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: "input[name=amount]",
            run: "edit 1500",
        },
        {
            trigger: "select[name=purpose]",
            run: "select advertising",
        },
        {
            trigger: "textarea[name=description]",
            run: "edit 地铁灯箱广告一个月",
        },
        {
            content: "Attach the advertising contract",
            trigger: "input[name=attachments]",
            run() {
                const transfer = new DataTransfer();
                transfer.items.add(
                    new File(["%PDF-1.4 tour contract"], "广告合同.pdf", {
                        type: "application/pdf",
                    })
                );
                this.anchor.files = transfer.files;
            },
        },
        {
            content: "Submit the claim",
            trigger: "button.o_fund_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The claim is submitted, its proof listed",
            trigger: ".badge:contains(Submitted)",
        },
        {
            trigger: "a:contains(广告合同.pdf)",
        },
    ],
});

// The Rebate Accountant approves the claim the channel manager checked.
registry.category("web_tour.tours").add("sales_pm_collab_fund_claim_approve", {
    steps: () => [
        {
            content: "Open the checked claim",
            trigger: ".o_data_row:contains(Tour Distributor) td[name=name]",
            run: "click",
        },
        {
            content: "Approve and pay",
            trigger: ".o_statusbar_buttons button[name=action_approve]",
            run: "click",
        },
        {
            content: "Confirm: this is done once",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The claim is approved, its bill one click away",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Approved)",
        },
        {
            trigger: ".oe_stat_button[name=action_view_move]",
        },
    ],
});

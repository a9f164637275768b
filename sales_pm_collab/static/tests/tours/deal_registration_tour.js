import { registry } from "@web/core/registry";

// A channel partner registers a deal on the portal and submits it for approval.
registry.category("web_tour.tours").add("sales_pm_collab_deal_registration_portal", {
    url: "/my",
    steps: () => [
        {
            content: "Open the deal registrations from the portal home",
            trigger: "a[href='/my/registrations']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Register a deal",
            trigger: "a.o_deal_registration_new",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: "form.o_deal_registration_form input[name=customer_name]",
            run: "edit 常州星河连锁超市有限公司",
        },
        {
            trigger: "form.o_deal_registration_form input[name=customer_vat]",
            run: "edit 91320400TOUR0001X",
        },
        {
            trigger: "form.o_deal_registration_form select[name=country_id]",
            run: "selectByLabel China",
        },
        {
            trigger: "form.o_deal_registration_form input[name=city]",
            run: "edit 常州",
        },
        {
            trigger: "form.o_deal_registration_form input[name=expected_revenue]",
            run: "edit 260000",
        },
        {
            trigger: "form.o_deal_registration_form input[name=expected_close_date]",
            run({ anchor }) {
                anchor.value = "2099-06-30";
            },
        },
        {
            content: "Submit for approval",
            trigger: "form.o_deal_registration_form button[name=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The registration is submitted",
            trigger: ".o_deal_registration_page .badge:contains(Submitted)",
        },
    ],
});

// The channel manager approves it in the backend.
registry.category("web_tour.tours").add("sales_pm_collab_deal_registration_approve", {
    url: "/odoo/action-sales_pm_collab.action_crm_deal_registration",
    steps: () => [
        {
            content: "Open the registration to decide",
            trigger: ".o_data_row:contains(常州星河连锁超市有限公司) .o_data_cell[name=customer_name]",
            run: "click",
        },
        {
            content: "Approve",
            trigger: ".o_form_view button[name=action_approve]",
            run: "click",
        },
        {
            content: "Approved, with its opportunity",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Approved)",
        },
        {
            trigger: ".o_form_view button[name=action_view_lead]",
        },
    ],
});

import { registry } from "@web/core/registry";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

import { Component, xml } from "@odoo/owl";

/**
 * "Link to this one" on a suggestion of a wizard that is not saved yet (Odoo refuses
 * the buttons of unsaved list lines: "Please save your changes first"): it picks the
 * suggestion as the wizard's requirement to link (`link_requirement_id`), which turns
 * the wizard's main button into "Link to Existing". Nothing on a suggestion already
 * linked to the deal.
 */
export class LinkMatchButton extends Component {
    static template = xml`
        <button t-if="!props.record.data.already_linked"
                type="button"
                class="btn btn-link p-0 o_collab_link_match"
                t-att-class="{'fw-bold': isChosen}"
                t-on-click.stop="onClick">
            <i t-attf-class="fa #{isChosen ? 'fa-check' : 'fa-link'} me-1" role="img"/>
            <t t-esc="props.label"/>
        </button>`;
    static props = { ...standardWidgetProps, label: { type: String } };

    get wizard() {
        return this.props.record.model.root;
    }
    get isChosen() {
        const chosen = this.wizard.data.link_requirement_id;
        return Boolean(chosen && chosen.id === this.props.record.data.requirement_id?.id);
    }
    async onClick() {
        const requirement = this.props.record.data.requirement_id;
        await this.wizard.update({ link_requirement_id: this.isChosen ? false : requirement });
    }
}

// the label comes from the arch (`string`), translated with the view
registry.category("view_widgets").add("collab_link_match", {
    component: LinkMatchButton,
    extractProps: ({ attrs }) => ({ label: attrs.string || "" }),
});

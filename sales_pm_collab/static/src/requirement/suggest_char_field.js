import { registry } from "@web/core/registry";
import { useDebounced } from "@web/core/utils/timing";
import { CharField, charField } from "@web/views/fields/char/char_field";

import { useEffect } from "@odoo/owl";

/**
 * A char field that sends what is typed to the record while the user types (debounced),
 * so the fields depending on it (the similar requirements of the Raise Requirement
 * wizard) follow the title without waiting for the field to lose focus. The input
 * stays the user's: the value is not trimmed and not rewritten while they type.
 */
export class SuggestCharField extends CharField {
    static props = {
        ...CharField.props,
        delay: { type: Number, optional: true },
    };
    static defaultProps = { ...CharField.defaultProps, delay: 400 };

    setup() {
        super.setup();
        this.sendTyped = useDebounced(this.sendTyped, this.props.delay);
        useEffect(
            (inputEl) => {
                if (!inputEl) {
                    return;
                }
                const onInput = () => this.sendTyped();
                inputEl.addEventListener("input", onInput);
                return () => inputEl.removeEventListener("input", onInput);
            },
            () => [this.input.el]
        );
    }

    sendTyped() {
        const value = this.input.el?.value;
        if (value === undefined || value === (this.props.record.data[this.props.name] || "")) {
            return;
        }
        // the record's onchange fetches the suggestions; the input keeps what is typed
        this.props.record.update({ [this.props.name]: value });
    }
}

export const suggestCharField = {
    ...charField,
    component: SuggestCharField,
    extractProps: (fieldInfo, dynamicInfo) => ({
        ...charField.extractProps(fieldInfo, dynamicInfo),
        delay: fieldInfo.options.delay,
    }),
};

registry.category("fields").add("collab_suggest_char", suggestCharField);

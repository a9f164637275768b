// Layout checks shared by the layout tours: each throws with what it measured, so the
// tour fails on the screen and viewport where the property breaks.

/** An element shows all of its content: nothing scrolls or is cut. */
export function assertNotCut(element, what) {
    if (!element) {
        throw new Error(`${what}: not found`);
    }
    const { scrollWidth, clientWidth, scrollHeight, clientHeight } = element;
    if (scrollWidth > clientWidth + 1 || scrollHeight > clientHeight + 1) {
        throw new Error(
            `${what} is cut: content ${scrollWidth}×${scrollHeight} px in ${clientWidth}×${clientHeight} px`
        );
    }
}

/** The element's top right corner lies outside the band of a top-right ribbon. */
export function assertClearOfRibbon(element, ribbon, what) {
    const box = element.getBoundingClientRect();
    const corner = ribbon.getBoundingClientRect();
    // the band's lower edge runs at 45° from 0.75rem right of the ribbon square's top
    // left corner (ribbon.scss): the free area lies left of x = y + 12 px
    const x = box.right - corner.left;
    const y = box.top - corner.top;
    if (box.top < corner.bottom && x - y > 12) {
        throw new Error(`${what} runs under the ribbon: corner at (${x}, ${y}) in its square`);
    }
}

/** The visible elements among those matching selector. */
export function visible(selector, root = document) {
    return [...root.querySelectorAll(selector)].filter(
        (el) => el.offsetParent !== null && el.getClientRects().length
    );
}

/** A button shows its label on one line. */
export function assertOneLine(button, what) {
    const style = getComputedStyle(button);
    const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
    const content =
        button.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    if (content > lineHeight * 1.5) {
        throw new Error(`${what} wraps: ${content} px high for lines of ${lineHeight} px`);
    }
}

/** No horizontal scrolling in a list, and its values readable: no number is cut, a
 * longer text (of the columns named, all but long texts when none is named) cut only
 * in a column of at least 150 px (about 20 characters). */
export function assertListFits(what, root = document, names = null) {
    const renderer = root.querySelector(".o_list_renderer");
    if (!renderer) {
        throw new Error(`${what}: no list`);
    }
    if (renderer.scrollWidth > renderer.clientWidth + 1) {
        throw new Error(
            `${what} scrolls sideways: ${renderer.scrollWidth} px in ${renderer.clientWidth} px`
        );
    }
    const cells = [...renderer.querySelectorAll(".o_data_row td.o_data_cell")].filter((td) =>
        names ? names.includes(td.getAttribute("name")) : !td.classList.contains("o_list_text")
    );
    for (const td of cells) {
        const cut = td.scrollWidth > td.clientWidth + 1;
        if (cut && (td.classList.contains("o_list_number") || td.clientWidth < 150)) {
            throw new Error(
                `${what}: ${td.getAttribute("name")} "${td.textContent.trim()}" is cut ` +
                    `(${td.scrollWidth} px in ${td.clientWidth} px)`
            );
        }
    }
}

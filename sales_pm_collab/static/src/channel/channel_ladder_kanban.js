import { registry } from "@web/core/registry";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";
import { isNull } from "@web/views/utils";

/**
 * The channel partners by level: the columns in the order the server sends them, the
 * ladder highest first and the partners without a level last (the stock kanban puts the
 * "None" column first, which reads as the top of the ladder).
 */
export class ChannelLadderKanbanRenderer extends KanbanRenderer {
    getGroupsOrRecords() {
        const { list } = this.props;
        if (!list.isGrouped) {
            return super.getGroupsOrRecords();
        }
        return list.groups.map((group, i) => ({
            group,
            key: isNull(group.value) ? `group_key_${i}` : String(group.value),
        }));
    }
}

registry.category("views").add("collab_channel_ladder_kanban", {
    ...kanbanView,
    Renderer: ChannelLadderKanbanRenderer,
});

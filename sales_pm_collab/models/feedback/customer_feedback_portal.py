from odoo import api, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import plaintext2html

from .customer_feedback import DONE_STATES, KINDS, OPEN_STATES

# what a customer may attach to a new feedback on the portal
PORTAL_MAX_FILES = 5
PORTAL_MAX_FILE_SIZE = 10 * 1024 * 1024
# the documents offered on the portal form: the most recent ones of the company
PORTAL_DOCUMENT_LIMIT = 50
# the portal list's filters by state
PORTAL_STATE_FILTERS = {
    "all": (),
    "open": OPEN_STATES,
    "done": DONE_STATES,
    "cancelled": ("cancelled",),
}


class CustomerFeedback(models.Model):
    """The customer portal of feedback (`/my/feedback`): the document link of
    `portal.mixin` (a token for the portal thread and e-mail buttons), the company's
    documents and products a customer may file feedback about, and the feedback a
    customer files there, which enters the same SLA flow as one sent by e-mail.

    Portal users read their company's feedback (access right plus the record rule of
    `feedback_security.xml`); they never write it: filing and replying go through the
    methods below and the portal thread, as the system, after checking the documents
    named belong to the customer's company."""

    _name = "customer.feedback"
    _inherit = ["customer.feedback", "portal.mixin"]
    # the portal link's token is the system's: a user never sets or changes it
    _system_fields = ("access_token",)
    # the document link and its token (the portal thread posts with it)
    _portal_fields = ("access_url", "access_token")

    def _compute_access_url(self):
        for feedback in self:
            feedback.access_url = f"/my/feedback/{feedback.id}"

    # === Portal: reading === #

    @api.model
    def _portal_domain(self, partner, state_filter="all"):
        """The feedback of `partner`'s company, optionally of one state filter."""
        domain = Domain("commercial_partner_id", "=", partner.commercial_partner_id.id)
        states = PORTAL_STATE_FILTERS.get(state_filter, ())
        if states:
            domain &= Domain("state", "in", states)
        return domain

    @api.model
    def _portal_documents(self, partner):
        """(orders, invoices) of `partner`'s company a customer may file feedback about:
        its confirmed sales orders and posted customer invoices and credit notes, most
        recent first, as the system (portal users may not read them all)."""
        commercial = partner.commercial_partner_id
        orders = (
            self.env["sale.order"]
            .sudo()
            .search(
                [("partner_id", "child_of", commercial.id), ("state", "=", "sale")],
                order="date_order desc, id desc",
                limit=PORTAL_DOCUMENT_LIMIT,
            )
        )
        invoices = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", commercial.id),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("state", "=", "posted"),
                ],
                order="invoice_date desc, id desc",
                limit=PORTAL_DOCUMENT_LIMIT,
            )
        )
        return orders, invoices

    @api.model
    def _portal_products(self, partner):
        """The products of those documents (what the customer bought), by name."""
        orders, invoices = self._portal_documents(partner)
        products = orders.order_line.product_id | invoices.invoice_line_ids.product_id
        return products.product_tmpl_id.sorted(lambda product: product.display_name)

    @api.model
    def _portal_labels(self):
        """The labels of the fields the portal shows, in the reader's language (the
        fields' own translated strings)."""
        names = (
            "reference",
            "name",
            "kind",
            "product_id",
            "sale_order_id",
            "invoice_id",
            "sla_start_date",
            "state",
            "description",
        )
        return {name: self._fields[name]._description_string(self.env) for name in names}

    @api.model
    def _portal_state_filters(self):
        """(key, label) of the portal list's filters by state."""
        labels = dict(self._fields["state"]._description_selection(self.env))
        labels["all"] = self.env._("All")
        labels["open"] = self.env._("Being handled")
        labels["done"] = labels["resolved"]
        return [(key, labels[key]) for key in PORTAL_STATE_FILTERS]

    @api.model
    def _portal_kinds(self):
        """(key, label) of the kinds a customer picks from, in the reader's language."""
        return self._fields["kind"]._description_selection(self.env)

    # === Portal: filing === #

    @api.model
    def _portal_create(self, partner, values, files=()):
        """File feedback for `partner` (a portal user's contact) from the portal form.

        `values`: name, kind, product_id, document (``sale.order-<id>`` or
        ``account.move-<id>``, empty for none), description; `files`: (name, content)
        pairs. Each id sent is checked against what the customer's company owns; a
        refusal is a ValidationError naming the field. Created as the system with the
        values of a feedback received by e-mail (source Portal, no owner yet): the SLA
        policy and deadlines follow. The customer follows it and their files come as
        their first message."""
        commercial = partner.commercial_partner_id
        vals = {
            "name": (values.get("name") or "").strip(),
            "kind": self._portal_check_kind(values.get("kind")),
            "description": plaintext2html((values.get("description") or "").strip()),
            "source": "portal",
            "partner_id": commercial.id,
            "contact_id": partner.id if partner != commercial else False,
            "email_from": partner.email or False,
            "user_id": False,
            "team_id": commercial.user_id.sale_team_id.id or False,
            "company_id": commercial.company_id.id or self.env.company.id,
        }
        product = self._portal_check_product(partner, values.get("product_id"))
        if product:
            vals["product_id"] = product.id
        document = self._portal_check_document(partner, values.get("document"))
        if document:
            field = "sale_order_id" if document._name == "sale.order" else "invoice_id"
            vals[field] = document.id
            vals["company_id"] = document.company_id.id
        files = list(files)
        self._portal_check_files(files)
        # the name's checks (empty, too long) are the model's constraint
        feedback = self.sudo().with_company(vals["company_id"]).create(vals)
        feedback.message_subscribe(partner_ids=partner.ids)
        if files:
            feedback.message_post(
                author_id=partner.id,
                body=self.env._("Files sent with the feedback"),
                attachments=files,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return feedback.sudo(False)

    @api.model
    def _portal_check_kind(self, kind):
        if kind not in dict(KINDS):
            raise ValidationError(self.env._("Pick the kind of feedback from the list."))
        return kind

    @api.model
    def _portal_check_product(self, partner, product_id):
        if not product_id:
            return self.env["product.template"]
        products = self._portal_products(partner)
        product = products.filtered(lambda product: str(product.id) == str(product_id))
        if not product:
            raise ValidationError(
                self.env._("Pick the product from the list: one your company bought.")
            )
        return product

    @api.model
    def _portal_check_document(self, partner, document):
        """The order or invoice `document` names, when it belongs to the customer's
        company; an empty recordset for none."""
        if not document:
            return self.env["sale.order"]
        model, _sep, record_id = str(document).partition("-")
        orders, invoices = self._portal_documents(partner)
        candidates = {"sale.order": orders, "account.move": invoices}.get(model)
        found = candidates.filtered(lambda doc: str(doc.id) == record_id) if candidates else None
        if not found:
            raise ValidationError(
                self.env._("Pick the order or invoice from the list: one of your company's.")
            )
        return found

    @api.model
    def _portal_check_files(self, files):
        if len(files) > PORTAL_MAX_FILES:
            raise ValidationError(
                self.env._("Attach at most %(count)s files.", count=PORTAL_MAX_FILES)
            )
        for name, content in files:
            if len(content) > PORTAL_MAX_FILE_SIZE:
                raise ValidationError(
                    self.env._(
                        "%(file)s is too large: attach files of at most %(size)s MB.",
                        file=name,
                        size=PORTAL_MAX_FILE_SIZE // (1024 * 1024),
                    )
                )

    def _portal_timezone(self, user):
        """The time zone the portal shows this feedback's dates in: the reader's own,
        else (a visitor with the document's link) its contact's or customer's; UTC."""
        if user and not user._is_public() and user.tz:
            return user.tz
        return (self[:1].contact_id.tz or self[:1].partner_id.tz) or "UTC"

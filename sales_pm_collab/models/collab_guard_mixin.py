"""The trust boundary of the addon's models: what a user may write, and in what shape.

A user's ``create``/``write`` reaches the ORM from the web client or any RPC caller,
with values and context keys the caller chose. This mixin refuses, for every caller
that is not the server itself (``env.su``):

* fields the system owns: set by a workflow button, a scheduled job or a computation
  (``_system_fields`` plus every read-only computed or related field of this addon), also through
  ``default_<field>`` context keys, which are dropped;
* values of the wrong shape (text in a number field, a list as a many2one, an unknown
  choice, an impossible date), with a message naming the field instead of a traceback.

Workflow methods check the user's right to change the records, then write the fields
they own with ``_write_system`` (a ``sudo()`` write decided on the server). No context
key relaxes any of this.

It also keeps the internal fields away from portal and public users (share users), who
may call any model method over JSON-RPC with their session: a model of this addon shows
them only the fields it lists in ``_portal_fields`` (a whitelist: a new field is hidden
until listed), a core model this addon extends hides the fields this addon adds unless
listed. A hidden field cannot be read, searched on, grouped or ordered by, exported, and
``fields_get`` leaves it out; a share user writes only the fields of
``_portal_write_fields``. The portal pages read what they show with ``sudo()`` after
checking the record is the user's.
"""

import math
import numbers

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Domain

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG

MODULE = "sales_pm_collab"
# mail.thread / activity fields a client legitimately sends with a record
_ALWAYS_ALLOWED_PREFIXES = ("message_", "activity_")
# beyond this, a number typed into a form is a mistake, not a business figure
MAX_NUMBER = 1e15
# the largest value of an integer column (PostgreSQL `integer`, 32 bits)
MAX_INTEGER = 2**31 - 1


class CollabGuardMixin(models.AbstractModel):
    _name = "collab.guard.mixin"
    _description = "Collaboration: system-owned fields and input checks"

    # names of the fields only workflows, crons and computes write (read-only computed
    # fields of this addon are added automatically)
    _system_fields = ()
    # configuration shared by companies (records without a company, or a model without
    # company_id): changing it needs access to every company that uses it
    _shared_config = False
    # the models whose records use this kind of configuration: a company with such records
    # uses the shared configuration (any shared stage shows on its kanban, any shared SLA
    # policy may match its feedback); empty = every company uses it. Like
    # `_system_fields`, each area's extension of a model adds its own models.
    _shared_config_used_by = ()
    # the fields a portal or public user may read (read, search, group by, order by,
    # export, fields_get) on a model of this addon (also on a core model for the fields
    # this addon adds to it); every other field is refused to them. Like
    # `_system_fields`, each area's extension of a model adds its own.
    _portal_fields = ()
    # the fields a portal or public user may write (create/write), among `_portal_fields`
    _portal_write_fields = ()

    # === CRUD === #

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.su:
            return super().create(vals_list)
        if self._shared_config and any(
            not vals.get("company_id", self._collab_default_company_id()) for vals in vals_list
        ):
            self._collab_check_shared_config_access()
        system = self._collab_system_field_names()
        context = self.env.context
        forged = {key for key in context if key.startswith("default_") and key[8:] in system}
        records = self
        if forged:
            # a default is a value the client chose: system fields get the model's own
            records = self.with_env(
                self.env(context={k: v for k, v in context.items() if k not in forged})
            )
        for vals in vals_list:
            records._collab_check_user_vals(vals, system)
        return super(CollabGuardMixin, records).create(vals_list)

    def write(self, vals):
        if not self.env.su:
            self._collab_check_user_vals(vals, self._collab_system_field_names())
            # taking the company off a record shares it with every company
            company_written = "company_id" in self._fields and "company_id" in vals
            if self._shared_config and (
                self._collab_shared_records() or (company_written and not vals["company_id"])
            ):
                self._collab_check_shared_config_access()
        return super().write(vals)

    def unlink(self):
        return super(CollabGuardMixin, without_forced_unlink(self)).unlink()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_shared_config(self):
        if not self.env.su and self._shared_config and self._collab_shared_records():
            self._collab_check_shared_config_access()

    # === Field access of portal users === #

    @api.model
    def _has_field_access(self, field, operation):
        if not super()._has_field_access(field, operation):
            return False
        if self.env.su or not self.env.user.share:
            return True
        return field.name in self._collab_portal_field_names(operation)

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        if not self.env.su and self.env.user.share:
            # a related or searchable computed field is rewritten before the ORM checks
            # the field it reaches: check the names the caller wrote
            for condition in Domain(domain).iter_conditions():
                self._collab_check_portal_path(condition.field_expr)
        return super()._search(domain, offset=offset, limit=limit, order=order, **kwargs)

    def _order_to_sql(self, order, query, alias=None, reverse=False):
        if self.env.su or not self.env.user.share:
            return super()._order_to_sql(order, query, alias=alias, reverse=reverse)
        # the caller's order may only name fields it may read; the model's own order
        # (chosen by the server, it shows no value) is applied as is
        if order and order != self._order:
            for part in order.split(","):
                if part.strip():
                    self._collab_check_portal_path(part.split()[0])
        return super(CollabGuardMixin, self.sudo())._order_to_sql(
            order, query, alias=alias, reverse=reverse
        )

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), having=(), *args, **kwargs):
        if not self.env.su and self.env.user.share:
            for spec in (*groupby, *aggregates):
                if spec != "__count":
                    self._collab_check_portal_path(spec.split(":")[0])
            for condition in Domain(having).iter_conditions():
                if condition.field_expr != "__count":
                    self._collab_check_portal_path(condition.field_expr.split(":")[0])
        return super()._read_group(domain, groupby, aggregates, having, *args, **kwargs)

    @api.model
    def _collab_check_portal_path(self, path):
        """Refuse a field path (`partner_id.name`, `amount`) whose first field the user
        may not read (the next fields are checked by their own model)."""
        name = path.split(".", 1)[0]
        field = self._fields.get(name)
        if field is not None:
            self._check_field_access(field, "read")

    @api.model
    def _collab_portal_field_names(self, operation):
        """The fields a share user may read (`operation` "read") or write ("write")."""
        cls = type(self)
        cache = cls.__dict__.get("_collab_portal_cache")
        if cache is None:
            readable = set(self._collab_class_union("_portal_fields")) | {"id", "display_name"}
            writable = set(self._collab_class_union("_portal_write_fields")) & readable
            if self._original_module != MODULE:
                # a core model: its own fields keep core's access, this addon's are listed
                core = {
                    name
                    for name, field in self._fields.items()
                    if not (field._modules and field._modules[0] == MODULE)
                }
                readable |= core
                writable |= core
            cache = {"read": frozenset(readable), "write": frozenset(writable)}
            cls._collab_portal_cache = cache
        return cache[operation]

    # === Business methods === #

    def _check_name_size(self, size, empty_message, long_message):
        """Each record of self has a name (`empty_message` otherwise) of at most `size`
        characters (`long_message` otherwise): the check of the names users type."""
        for record in self:
            if not (record.name or "").strip():
                raise ValidationError(empty_message)
            if len(record.name) > size:
                raise ValidationError(long_message)

    def _count_by(self, model, field):
        """{record of self: how many `model` records have it as `field`}, in one grouped
        read with the user's access rules; the records without any are left out."""
        return dict(self.env[model]._read_group([(field, "in", self.ids)], [field], ["__count"]))

    @api.model
    def _window_action(self, xmlid, **values):
        """The window action `xmlid` as the client opens it, with `values` (domain,
        context, name, views...) set on it."""
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action.update(values)
        return action

    def _in_lang_of(self, reader):
        """self in the language of `reader` (a user or a partner; the first one), else
        in the environment's: the texts the system writes for someone (an activity for
        its assignee, a note for the user responsible for the record) are written in
        their language, as mail templates write to a partner in its own."""
        lang = reader[:1].lang if reader else False
        return self.with_context(lang=lang) if lang else self

    @api.model
    def _has_role(self, groups):
        """Whether the user holds one of `groups` (xml ids); the server (`env.su`) does."""
        return self.env.su or any(self.env.user.has_group(group) for group in groups)

    @api.model
    def _check_role(self, groups, message):
        """The role check of the workflows: refuse with an AccessError saying `message`
        unless the user holds one of `groups` (xml ids) or is the server."""
        if not self._has_role(groups):
            raise AccessError(message)

    def _write_system(self, vals):
        """Write fields the system owns, for a workflow step decided on the server.

        The caller's right to change these records is checked first (access rights and
        record rules); the write itself runs as superuser so that the system fields pass
        the guard. Tracking and the chatter still name the user.
        """
        if not self.env.su:
            self.check_access("write")
        return self.sudo().write(vals)

    def _collab_shared_records(self):
        if "company_id" not in self._fields:
            return self
        return self.filtered(lambda record: not record.company_id)

    @api.model
    def _collab_default_company_id(self):
        if "company_id" not in self._fields:
            return False
        return self.default_get(["company_id"]).get("company_id")

    @api.model
    def _collab_companies_using_shared_config(self):
        """The companies that use this kind of shared configuration: those with records of
        the models of `_shared_config_used_by`, or every company when none is named."""
        Company = self.env["res.company"].sudo()
        used_by = self._collab_class_union("_shared_config_used_by")
        if not used_by:
            # a handful of companies in any database
            return Company.search([])  # pylint: disable=no-search-all
        companies = Company
        for model in used_by:
            rows = (
                self.env[model]
                .sudo()
                .with_context(active_test=False)
                ._read_group([("company_id", "!=", False)], ["company_id"])
            )
            companies |= Company.union(*(company for (company,) in rows))
        return companies

    @api.model
    def _collab_check_shared_config_access(self):
        """Shared configuration is used by several companies: only a user with access to
        every company that uses it may change it (the user's own companies, not the ones
        the client selected)."""
        missing = self._collab_companies_using_shared_config() - self.env.user.company_ids
        if missing:
            raise AccessError(
                self.env._(
                    "%(model)s: this record is shared by all companies, and %(companies)s "
                    "use it too, to which you have no access. Ask a user with access to "
                    "those companies, or set a company on the record to make it yours only.",
                    model=self._description,
                    companies=", ".join(missing.mapped("name")),
                )
            )

    @api.model
    def _collab_class_union(self, attribute):
        """The names a class attribute lists (`_system_fields`, `_shared_config_used_by`)
        over every class of the model: each area's extension of a model adds its own."""
        names = {}
        for klass in type(self).__mro__:
            names.update(dict.fromkeys(getattr(klass, attribute, ()) or ()))
        return tuple(names)

    @api.model
    def _collab_system_field_names(self):
        cls = type(self)
        names = cls.__dict__.get("_collab_system_cache")
        if names is None:
            names = set(self._collab_class_union("_system_fields"))
            for name, field in self._fields.items():
                if field._modules and field._modules[0] == MODULE and _is_derived(field):
                    names.add(name)
            names = frozenset(name for name in names if name in self._fields)
            cls._collab_system_cache = names
        return names

    def _collab_check_user_vals(self, vals, system):
        forbidden = [
            name
            for name in vals
            if name in system and not name.startswith(_ALWAYS_ALLOWED_PREFIXES)
        ]
        if forbidden:
            labels = ", ".join(
                f"“{self._fields[name]._description_string(self.env)}” ({name})"
                for name in forbidden
            )
            raise AccessError(
                self.env._(
                    "%(model)s: %(fields)s cannot be set by hand; the application sets "
                    "it (workflow buttons, scheduled jobs or computations).",
                    model=self._description,
                    fields=labels,
                )
            )
        for name, value in vals.items():
            field = self._fields.get(name)
            if field is not None and field._modules and field._modules[0] == MODULE:
                self._collab_check_value(field, value)

    def _collab_check_value(self, field, value):
        """Refuse a value the field cannot hold, naming the field (not a ValueError)."""
        if value is None or value is False:
            return
        checker = _CHECKERS.get(field.type)
        expected = checker(self.env, field, value) if checker else None
        if expected:
            raise ValidationError(
                self.env._(
                    "%(model)s: “%(field)s” expects %(expected)s; got %(value)s.",
                    model=self._description,
                    field=field._description_string(self.env),
                    expected=expected,
                    value=repr(value)[:80],
                )
            )


def without_forced_unlink(records):
    """``records`` without the context flag of a module's uninstallation
    (``MODULE_UNINSTALL_FLAG``, ``_force_unlink``) unless the server itself sets it.

    The flag skips every ``@api.ondelete(at_uninstall=False)`` check (an applied
    evaluation, a settled settlement, a counted journal item...): Odoo sets it when it
    uninstalls a module, as the superuser; from any other caller it is a context key
    that would relax those checks, so it is dropped."""
    if records.env.context.get(MODULE_UNINSTALL_FLAG) and not records.env.su:
        return records.with_context(**{MODULE_UNINSTALL_FLAG: False})
    return records


def _is_derived(field):
    """A read-only field whose value the ORM derives: a computed field without inverse, or
    a related one (writing it would write through to the record it is read from)."""
    if not field.readonly:
        return False
    if field.related:
        return True
    return bool(field.compute) and not field.inverse


# Each checker returns what the field expects when the value does not fit, else None.


def _check_number(env, field, value):
    number = value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return env._("a number")
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        return env._("a number")
    if not math.isfinite(number) or abs(number) > MAX_NUMBER:
        return env._("a number of a sensible size")
    if field.type == "integer":
        if float(number) != int(number):
            return env._("a whole number")
        # the ORM converts an integer's text with int(): "5.0" would fail there
        if isinstance(value, str):
            try:
                int(value)
            except ValueError:
                return env._("a whole number")
        # an integer column holds 32 bits: beyond, PostgreSQL fails the statement
        if abs(int(number)) > MAX_INTEGER:
            return env._("a number of a sensible size")
    return None


def _check_date(env, field, value):
    convert = fields.Date.to_date if field.type == "date" else fields.Datetime.to_datetime
    try:
        convert(value)
    except (ValueError, TypeError):
        return env._("a date")
    return None


def _check_selection(env, field, value):
    if not isinstance(field.selection, list):
        return None
    keys = [key for key, _label in field.selection]
    if value not in keys:
        return env._("one of %(choices)s", choices=", ".join(keys))
    return None


def _check_many2one(env, field, value):
    if isinstance(value, models.BaseModel):
        return env._("one record") if len(value) > 1 else None
    if isinstance(value, bool) or not isinstance(value, int):
        return env._("the id of one record")
    return None


def _check_text(env, field, value):
    return None if isinstance(value, str) else env._("text")


def _check_x2many(env, field, value):
    if isinstance(value, (list, tuple, models.BaseModel)):
        return None
    return env._("a list of commands")


_CHECKERS = {
    "integer": _check_number,
    "float": _check_number,
    "monetary": _check_number,
    "date": _check_date,
    "datetime": _check_date,
    "selection": _check_selection,
    "many2one": _check_many2one,
    "char": _check_text,
    "text": _check_text,
    "html": _check_text,
    "one2many": _check_x2many,
    "many2many": _check_x2many,
}
